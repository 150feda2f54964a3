"""Demo mail you can read: in development every sent e-mail is kept as an `.eml` file under its
tenant's folder (`DEV_MAIL_DIR/<schema>/`) and shown decoded at `/dev/mail/` (links clickable,
nothing to decode by hand) to a signed-in user of that tenant only: onboarding links and
password resets are keys, and another tenant's are none of this one's business. The console
prints who got what with the page's address. Never active in production (`DEV_MAIL_VIEWER` is
off there and the page answers 404), except on a sandbox tenant, whose mail is always kept here
(sandbox_mail.py) and read here."""

from __future__ import annotations

import email
import email.policy
import re
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage as ParsedMessage
from email.utils import getaddresses
from functools import wraps
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .context import current_schema, in_sandbox

_NAME = re.compile(r"^[0-9T]{15,}-[0-9a-f]{8}\.eml$")
_LINK = re.compile(r"https?://\S+")
_SCHEMA = re.compile(r"^[a-z0-9_]{1,63}$")


def mail_dir(schema: str | None = None) -> Path:
    """The folder of one tenant's kept mail (the current schema's by default)."""
    name = schema or current_schema() or "public"
    if not _SCHEMA.match(name):
        raise FileNotFoundError(name)
    return Path(settings.DEV_MAIL_DIR) / name


class KeptMailBackend(BaseEmailBackend):
    """Keeps each message under DEV_MAIL_DIR and prints a short, decoded line per message."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        directory = mail_dir()  # the schema the mail was sent in
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            (directory / name).write_bytes(message.message().as_bytes())
            mail = read_mail(name, directory.name)
            links = " ".join(mail.links) or "-"
            sys.stdout.write(
                f"[mail] to {', '.join(mail.to)}: {mail.subject}\n"
                f"[mail]   links: {links}\n"
                f"[mail]   read it at /dev/mail/{name}\n"
            )
        sys.stdout.flush()
        return len(email_messages)


@dataclass(frozen=True)
class KeptMail:
    name: str
    sent_at: datetime
    sender: str
    to: list[str]
    subject: str
    body: str
    attachments: list[str]

    @property
    def links(self) -> list[str]:
        return [link.rstrip(".,;)>") for link in _LINK.findall(self.body)]


def read_mail(name: str, schema: str | None = None) -> KeptMail:
    if not _NAME.match(name):
        raise FileNotFoundError(name)
    raw = (mail_dir(schema) / name).read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, ParsedMessage)
    part = message.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    return KeptMail(
        name=name,
        sent_at=datetime.strptime(name[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC),
        sender=str(message["From"] or ""),
        to=[str(a) for a in message.get_all("To", [])],
        subject=str(message["Subject"] or ""),
        body=body,
        attachments=[a.get_filename() or "attachment" for a in message.iter_attachments()],
    )


def kept_mail(schema: str | None = None, limit: int = 200) -> list[KeptMail]:
    """One tenant's kept mail, newest first (the current schema's by default)."""
    directory = mail_dir(schema)
    if not directory.is_dir():
        return []
    names = sorted((p.name for p in directory.iterdir() if _NAME.match(p.name)), reverse=True)
    return [read_mail(name, directory.name) for name in names[:limit]]


def _viewer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Development only (404 otherwise), and signed in: the page shows the mail of the tenant
    whose host it is on, and the user must belong to it (a session lives on one host)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.DEV_MAIL_VIEWER and not in_sandbox():
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


def _recipients(mail: KeptMail) -> set[Any]:
    """The users of this tenant a mail was sent to, each address read as a sign-in identity
    (the way the sign-in reads it: exactly, not as a part of another address)."""
    users = cast(Any, get_user_model()).objects
    return {
        pk
        for _name, address in getaddresses(mail.to)
        if address
        for pk in users.with_identity(address).values_list("pk", flat=True)
    }


def _may_read(request: HttpRequest, mail: KeptMail) -> bool:
    """Everyone reads the mail sent to themselves. The tenant's staff also read mail to
    people who have no account here (a buyer opens the invitation it sent a supplier's
    contact), never another user's (a password reset is a key to that account); a
    supplier's user reads only its own."""
    recipients = _recipients(mail)
    if request.user.pk in recipients:
        return True
    if request.user.has_perm("accounts.use_supplier_portal"):
        return False
    return not recipients


@_viewer
def mail_list(request: HttpRequest) -> HttpResponse:
    to = request.GET.get("to", "").strip().lower()
    mails = [
        m
        for m in kept_mail()
        if _may_read(request, m) and (not to or any(to in a.lower() for a in m.to))
    ]
    return render(request, "dev/mail_list.html", {"mails": mails, "to": to})


@_viewer
def mail_detail(request: HttpRequest, name: str) -> HttpResponse:
    try:
        mail = read_mail(name)
    except FileNotFoundError:
        raise Http404 from None
    if not _may_read(request, mail):
        raise Http404
    return render(request, "dev/mail_detail.html", {"mail": mail})
