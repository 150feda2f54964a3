"""The SMTP listener (aiosmtpd) that `make demo` runs on 127.0.0.1:2525 and a small
deployment may run behind its MTA: it accepts mail for `invoices@<tenant host>` only and hands
each message to that tenant's `mail_receive`. Production deployments usually read an IMAP
mailbox instead (imap.py) or have their mail service POST the raw message."""

from __future__ import annotations

from typing import Any

import structlog
from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError

from apps.tenancy.context import public_context, schema_named
from apps.tenancy.models import Domain

from .models import MailMessage
from .senders import Envelope
from .services import mail_receive

# failures that pass (a database restart, a full disk): worth the sender's MTA trying again
TRANSIENT = (OperationalError, InterfaceError, OSError)

log = structlog.get_logger("spendgate.mail")


PAUSED = "450 4.2.1 This invoice mailbox is paused; try again later"
PAUSED_AT_DATA = "451 4.2.1 This invoice mailbox is paused; try again later"


def _tenant_for(address: str) -> Any:
    local, _at, domain = address.strip().lower().rpartition("@")
    if local != settings.INVOICE_MAIL_LOCAL_PART or not domain:
        return None
    with public_context():
        found = Domain.objects.filter(domain=domain).select_related("tenant").first()
    if found is None or found.tenant.schema_name == "public":
        return None
    return found.tenant


def schema_for(address: str) -> str | None:
    """The schema of the tenant whose invoice address this is, or None."""
    tenant = _tenant_for(address)
    return None if tenant is None else str(tenant.schema_name)


def mailbox_paused(address: str) -> bool:
    """The tenant of this address is suspended (or offboarding): its mail is not taken now but
    answered with a temporary failure, so the sender's server keeps it and tries again (for
    days, by the usual MTA settings) until the tenant is resumed. Nothing is lost in silence:
    a mail that outlives the sender's retries bounces back to the sender."""
    tenant = _tenant_for(address)
    return tenant is not None and not tenant.is_serving


def deliver(raw: bytes, recipients: list[str], envelope: Envelope | None = None) -> str:
    """Receive the message in each addressed tenant; the SMTP answer."""
    answers = []
    if any(mailbox_paused(address) for address in recipients):
        return PAUSED_AT_DATA  # suspended between RCPT and DATA
    for address in recipients:
        schema = schema_for(address)
        if schema is None:
            continue
        with schema_named(schema):
            message = mail_receive(raw=raw, source="smtp", recipient=address, envelope=envelope)
        log.info(
            "mail_received",
            schema=schema,
            status=message.status,
            reason=message.reason,
            message_id=message.message_id,
        )
        answers.append(message.reason)
    if MailMessage.Reason.OVERSIZE in answers:
        return "552 5.3.4 Message too big; only its headers were recorded"
    if MailMessage.Reason.FORBIDDEN_ATTACHMENT in answers:
        return "554 5.6.1 Only PDF and XML attachments are accepted; the message was not kept"
    return "250 2.0.0 Message accepted"


class InvoiceMailHandler:
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if await sync_to_async(schema_for, thread_sensitive=True)(address) is None:
            return "550 5.1.1 No invoice mailbox here"
        if await sync_to_async(mailbox_paused, thread_sensitive=True)(address):
            return PAUSED
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        peer = session.peer[0] if isinstance(session.peer, tuple) else ""
        said = Envelope(
            mail_from=str(envelope.mail_from or ""),
            client_ip=str(peer),
            helo=str(session.host_name or ""),
        )
        try:
            return await sync_to_async(deliver, thread_sensitive=True)(
                bytes(raw), list(envelope.rcpt_tos), said
            )
        except TRANSIENT:  # the database or storage is away: the sender's MTA tries again
            log.exception("mail_failed_transient")
            return "451 4.3.0 Could not take the message now; try again later"
        except Exception:  # the same mail would fail again: refused for good, never retried
            log.exception("mail_failed")
            return "554 5.6.0 The message could not be processed; it was not kept"


def listener(host: str, port: int) -> Controller:
    """A started-on-demand controller; the SMTP size limit is above MAIL_MAX_BYTES so an
    oversize mail reaches us and its headers are recorded before it is refused."""
    return Controller(
        InvoiceMailHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.MAIL_MAX_BYTES * 2,
        server_hostname="spendgate",
    )
