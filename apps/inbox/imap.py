"""Reading the tenant's IMAP mailbox, only where the outbound guard lets it connect (hosts.py):
each unseen message is received like SMTP mail (the Message-ID keeps it idempotent, so a
message read twice after a crash creates nothing twice) and then flagged \\Seen. Beat runs
`poll_mailboxes` every few minutes per tenant. A failure is recorded on the mailbox as a fixed
sentence per kind, never in the server's words."""

from __future__ import annotations

import imaplib
import re
import socket
import ssl

import structlog
from django.conf import settings
from django.utils import timezone

from apps.suppliers.secrets import decrypt

from .hosts import MailboxFailure, failure_text, mailbox_address
from .models import Mailbox
from .services import mail_receive

log = structlog.get_logger("spendgate.mail")
_UIDS = re.compile(rb"\d+")


class _CheckedIMAP4(imaplib.IMAP4):
    """IMAP to the address the guard checked (the host name stays for the greeting)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.checked_address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self.checked_address, self.port), timeout)


class _CheckedIMAP4_SSL(imaplib.IMAP4_SSL):
    """IMAPS to the checked address; the certificate is verified for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.checked_address = address
        super().__init__(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        plain = socket.create_connection((self.checked_address, self.port), timeout)
        return self.ssl_context.wrap_socket(plain, server_hostname=self.host)


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    address = mailbox_address(mailbox.host, mailbox.port)  # refuses: the outbound guard
    timeout = settings.INVOICE_MAIL_IMAP_TIMEOUT
    kind = _CheckedIMAP4_SSL if mailbox.use_ssl else _CheckedIMAP4
    try:
        return kind(mailbox.host, mailbox.port, address, timeout)
    except TimeoutError as exc:
        raise MailboxFailure("timeout") from exc
    except ssl.SSLError as exc:
        raise MailboxFailure("tls") from exc
    except OSError as exc:
        raise MailboxFailure("unreachable") from exc
    except (imaplib.IMAP4.error, EOFError) as exc:  # a greeting that is no IMAP one
        raise MailboxFailure("protocol") from exc


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
            try:  # a refusal raises
                client.login(mailbox.username, decrypt(mailbox.password_encrypted))
            except imaplib.IMAP4.error as exc:
                raise MailboxFailure("login") from exc
            try:
                opened, _data = client.select(mailbox.folder)
            except imaplib.IMAP4.error as exc:
                raise MailboxFailure("folder") from exc
            if opened != "OK":
                raise MailboxFailure("folder")
            status, found = client.uid("SEARCH", "UNSEEN")
            uids = _UIDS.findall(found[0] or b"") if status == "OK" and found else []
            counts["left"] = max(0, len(uids) - limit)
            for uid in uids[:limit]:
                status, parts = client.uid("FETCH", uid, "(RFC822)")
                raw = next((p[1] for p in parts or [] if isinstance(p, tuple)), None)
                if status != "OK" or raw is None:
                    raise MailboxFailure("protocol")
                message = mail_receive(raw=bytes(raw), source="imap", recipient=mailbox.username)
                counts["read"] += 1
                counts["received" if message.status == "received" else "quarantined"] += 1
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        mailbox.last_error = ""
    except MailboxFailure as failure:
        # the page shows a fixed sentence; the remote's words are for the operator's log only
        mailbox.last_error = failure.text()[:500]
        cause = failure.__cause__
        log.warning("mailbox_poll_failed", host=mailbox.host, kind=failure.kind, error=str(cause))
    except (imaplib.IMAP4.error, EOFError, OSError, ValueError) as exc:
        mailbox.last_error = failure_text("protocol")
        log.warning("mailbox_poll_failed", host=mailbox.host, kind="protocol", error=str(exc))
    mailbox.last_polled_at = timezone.now()
    mailbox.save(update_fields=["last_error", "last_polled_at"])
    if counts["read"] or counts["left"]:
        log.info("mailbox_polled", **counts)
    return counts
