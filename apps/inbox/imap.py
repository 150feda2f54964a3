"""Reading the tenant's IMAP mailbox: each unseen message is received like SMTP mail (the
Message-ID keeps it idempotent, so a message read twice after a crash creates nothing twice)
and then flagged \\Seen. Beat runs `poll_mailboxes` every few minutes per tenant."""

from __future__ import annotations

import imaplib
import re
import ssl

import structlog
from django.conf import settings
from django.utils import timezone

from apps.suppliers.secrets import decrypt

from .models import Mailbox
from .services import mail_receive

log = structlog.get_logger("spendgate.mail")
_UIDS = re.compile(rb"\d+")


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.INVOICE_MAIL_IMAP_TIMEOUT
    if mailbox.use_ssl:
        return imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    return imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)


def mailbox_poll(limit: int | None = None) -> dict[str, int]:
    """Read the unseen mail of this tenant's mailbox; {read, received, quarantined, left}.
    At most `limit` messages per run (INVOICE_MAIL_IMAP_BATCH); what is left waits, unseen,
    for the next run and is counted in `left`."""
    mailbox = Mailbox.objects.filter(enabled=True).first()
    counts = {"read": 0, "received": 0, "quarantined": 0, "left": 0}
    if mailbox is None:
        return counts
    limit = limit or settings.INVOICE_MAIL_IMAP_BATCH
    try:
        with _connect(mailbox) as client:
            client.login(mailbox.username, decrypt(mailbox.password_encrypted))
            status, _data = client.select(mailbox.folder)
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot open the folder {mailbox.folder}")
            status, found = client.uid("SEARCH", "UNSEEN")
            uids = _UIDS.findall(found[0] or b"") if status == "OK" and found else []
            counts["left"] = max(0, len(uids) - limit)
            for uid in uids[:limit]:
                status, parts = client.uid("FETCH", uid, "(RFC822)")
                raw = next((p[1] for p in parts or [] if isinstance(p, tuple)), None)
                if status != "OK" or raw is None:
                    raise imaplib.IMAP4.error(f"cannot fetch message {uid.decode()}")
                message = mail_receive(raw=bytes(raw), source="imap", recipient=mailbox.username)
                counts["read"] += 1
                counts["received" if message.status == "received" else "quarantined"] += 1
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        mailbox.last_error = ""
    except (imaplib.IMAP4.error, OSError, ValueError) as exc:
        mailbox.last_error = str(exc)[:500]
        log.warning("mailbox_poll_failed", host=mailbox.host, error=mailbox.last_error)
    mailbox.last_polled_at = timezone.now()
    mailbox.save(update_fields=["last_error", "last_polled_at"])
    if counts["read"] or counts["left"]:
        log.info("mailbox_polled", **counts)
    return counts
