"""Demo mail you can read: in development every sent e-mail is kept as an `.eml` file and shown
decoded at `/dev/mail/` on any host of the demo (links clickable, nothing to decode by hand),
and the console prints who got what with the page's address. Never active in production
(`DEV_MAIL_VIEWER` is off there and the page answers 404)."""

from __future__ import annotations

import email
import email.policy
import re
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage as ParsedMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

_NAME = re.compile(r"^[0-9T]{15,}-[0-9a-f]{8}\.eml$")
_LINK = re.compile(r"https?://\S+")


def mail_dir() -> Path:
    return Path(settings.DEV_MAIL_DIR)


class KeptMailBackend(BaseEmailBackend):
    """Keeps each message under DEV_MAIL_DIR and prints a short, decoded line per message."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        directory = mail_dir()
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            (directory / name).write_bytes(message.message().as_bytes())
            mail = read_mail(name)
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


def read_mail(name: str) -> KeptMail:
    if not _NAME.match(name):
        raise FileNotFoundError(name)
    raw = (mail_dir() / name).read_bytes()
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


def kept_mail(limit: int = 200) -> list[KeptMail]:
    directory = mail_dir()
    if not directory.is_dir():
        return []
    names = sorted((p.name for p in directory.iterdir() if _NAME.match(p.name)), reverse=True)
    return [read_mail(name) for name in names[:limit]]


def mail_list(request: HttpRequest) -> HttpResponse:
    if not settings.DEV_MAIL_VIEWER:
        raise Http404
    to = request.GET.get("to", "").strip().lower()
    mails = [m for m in kept_mail() if not to or any(to in a.lower() for a in m.to)]
    return render(request, "dev/mail_list.html", {"mails": mails, "to": to})


def mail_detail(request: HttpRequest, name: str) -> HttpResponse:
    if not settings.DEV_MAIL_VIEWER:
        raise Http404
    try:
        mail = read_mail(name)
    except FileNotFoundError:
        raise Http404 from None
    return render(request, "dev/mail_detail.html", {"mail": mail})
