"""What the audit trail calls an invoice e-mail (its sender and subject, with its page) and an
IMAP mailbox (user@host), registered with apps.audit.subjects in AppConfig.ready()."""

from __future__ import annotations

from uuid import UUID

from .models import Mailbox, MailMessage


def _uuids(ids: set[str]) -> list[UUID]:
    found = []
    for value in ids:
        try:
            found.append(UUID(value))
        except ValueError:
            continue
    return found


def mail_messages(ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = MailMessage.objects.filter(pk__in=_uuids(ids)).values_list("pk", "sender", "subject")
    return {
        str(pk): (f"{sender}: {subject}" if subject else sender or str(pk), f"/invoices/mail/{pk}/")
        for pk, sender, subject in rows
    }


def mailboxes(ids: set[str]) -> dict[str, tuple[str, str]]:
    numbers = [int(i) for i in ids if i.isascii() and i.isdigit()]  # not "²": int() refuses it
    rows = Mailbox.objects.filter(pk__in=numbers).values_list("pk", "username", "host")
    return {str(pk): (f"{user}@{host}", "") for pk, user, host in rows}


NAMERS = {"mail_message": mail_messages, "mailbox": mailboxes}
