"""E-mail sent while a sandbox tenant is current never leaves the house: it is kept in the
demo mail store (devmail.KeptMailBackend, readable at the sandbox's /dev/mail/) with
"[Sandbox]" before its subject, whatever backend the settings name.

The gate sits where Django makes every mail connection (`MailersHandler.create_connection`:
send_mail, EmailMessage.send, mail_admins and `mailers[alias]` all come through it), and
decides at each send, so no sender in any context can go around it and a connection made
before a schema switch still asks again. It is installed in TenancyConfig.ready() rather than
named in MAILERS because Django's test set-up replaces MAILERS with its own backend: a backend
named in the settings would be bypassed exactly where the containment is tested, and a
deployment that writes its own MAILERS would lose it without a word.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.core.mail.handler import MailersHandler

from .context import in_sandbox

SUBJECT_MARK = "[Sandbox]"


def marked(subject: str) -> str:
    return subject if subject.startswith(SUBJECT_MARK) else f"{SUBJECT_MARK} {subject}"


class ContainedConnection:
    """A mailer's connection that sends through the configured backend, except from a
    sandbox, whose messages are kept in the demo mail store."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        if not in_sandbox():
            return int(self.inner.send_messages(email_messages) or 0)
        from .devmail import KeptMailBackend

        for message in email_messages:
            message.subject = marked(str(message.subject or ""))
        return KeptMailBackend().send_messages(email_messages)

    def open(self) -> Any:
        return self.inner.open()

    def close(self) -> Any:
        return self.inner.close()

    def __enter__(self) -> ContainedConnection:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        # only for what the backend has beyond the above; never while `inner` is not set yet
        # (a copy being made) nor for the protocols Python looks up (copy, pickle)
        if name == "inner" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.inner, name)


def contain_sandbox_mail() -> None:
    """Wrap every connection Django makes in ContainedConnection (once)."""
    original = MailersHandler.create_connection
    if getattr(original, "contains_sandbox_mail", False):
        return

    @functools.wraps(original)
    def create_connection(self: MailersHandler, alias: str, /, **kwargs: Any) -> Any:
        connection = original(self, alias, **kwargs)
        if isinstance(connection, ContainedConnection):
            return connection
        return ContainedConnection(connection)

    create_connection.contains_sandbox_mail = True  # type: ignore[attr-defined]
    MailersHandler.create_connection = create_connection  # type: ignore[method-assign]
