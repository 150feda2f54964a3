"""Events an ERP sends to `POST /api/v1/erp/events/` (CONTRACT §3, docs/integrations.md).

Signed like our own webhooks (Standard Webhooks, with the connection's `whsec_` secret; the
previous secret is accepted for 24 hours after a rotation). Kept once per `webhook-id`: a
replay answers what the first delivery got and changes nothing. An event that cannot be
applied now (an unknown invoice, say) is kept as a dead letter with the reason and applied
again from `/settings/integrations/` once the cause is fixed."""

from __future__ import annotations

import hmac
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.entities import entity_within
from apps.controls.refusals import ApplicationError, ValidationFailed
from apps.controls.values import currency_problem, date_problem, fits, identifier_problem
from apps.invoices.models import ERP_DOCUMENT_LENGTH, Invoice
from apps.invoices.services.erp import invoice_posted_by_erp
from apps.payments.services.erp import invoice_payment_from_erp
from apps.suppliers.services.onboarding import supplier_upsert_from_erp
from apps.telemetry.metrics import count

from ..models import ErpConnection, InboundEvent
from ..webhooks.signing import secrets_in_use, sign

TOLERANCE_SECONDS = 5 * 60  # CONTRACT §3: a timestamp over 5 minutes away is stale
TYPES = ("invoice.posted", "payment.executed", "supplier.upserted")
_STAMP = re.compile(r"[0-9]{1,12}")


class InboundRefused(ApplicationError):
    status = 401
    code = "invalid_signature"


class StaleTimestamp(InboundRefused):
    code = "stale_timestamp"


class UnknownEventType(ApplicationError):
    status = 422
    code = "unknown_event_type"


class CannotApply(Exception):
    """Why an event cannot be applied now (kept as a dead letter)."""


@dataclass
class Outcome:
    event: InboundEvent
    replay: bool


def verified_connection(headers: Any, body: bytes) -> tuple[ErpConnection, str]:
    """The connection whose secret signed this message, and the message id; or a refusal."""
    message_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    offered = [
        part.split(",", 1)[1]
        for part in headers.get("webhook-signature", "").split()
        if part.startswith("v1,")
    ]
    # Unix seconds in ASCII digits; 12 digits reach the year 33658 (str.isdigit() also
    # admits "²", which int() refuses, and int() of 5,000 digits raises)
    if not message_id or not _STAMP.fullmatch(stamp) or not offered or len(message_id) > 255:
        raise InboundRefused(_("Sign the event: webhook-id, webhook-timestamp, webhook-signature."))
    now = timezone.now()
    for connection in ErpConnection.objects.filter(enabled=True):
        for secret in secrets_in_use(connection, now=now):
            expected = sign(secret, message_id, int(stamp), body).split(",", 1)[1].encode()
            if any(hmac.compare_digest(expected, theirs.encode()) for theirs in offered):
                if abs(int(time.time()) - int(stamp)) > TOLERANCE_SECONDS:
                    raise StaleTimestamp(
                        _("The webhook-timestamp is more than 5 minutes from our clock.")
                    )
                return connection, message_id
    raise InboundRefused(_("No ERP connection's secret verifies this signature."))


def parsed(message: Any) -> tuple[str, dict[str, Any]]:
    """The event's type and data from the parsed body; an unknown type is refused before
    anything is kept."""
    if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
        raise ApplicationError(_('Send {"type": …, "data": {…}}.'))
    kind = str(message.get("type") or "")
    if kind not in TYPES:
        raise UnknownEventType(
            _("Unknown event type “%(type)s”; known: %(known)s.")
            % {"type": kind[:60], "known": ", ".join(TYPES)}
        )
    shape = SHAPES.get(kind)
    if shape is not None:
        shape(message["data"])
    return kind, message["data"]


def receive(
    connection: ErpConnection,
    message_id: str,
    kind: str,
    data: dict[str, Any],
    portal: dict[str, str],
) -> Outcome:
    """Keep the event once and apply it; a second delivery of the same id only reads.
    `portal` ({base_url, portal_name}) is what an invitation to a new supplier links to."""
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                connection=connection,
                message_id=message_id,
                event_type=kind,
                data=data,
                status=InboundEvent.Status.FAILED,
                reason=_("Being applied."),
            )
            _apply(event, connection, portal)
    except IntegrityError:  # the same id, already kept (a replay, or a concurrent twin)
        event = InboundEvent.objects.get(connection=connection, message_id=message_id)
        count("erp_inbound_event", result="replay")
        return Outcome(event, replay=True)
    ErpConnection.objects.filter(pk=connection.pk).update(last_event_at=timezone.now())
    count("erp_inbound_event", result=event.status)
    return Outcome(event, replay=False)


def apply_again(event: InboundEvent, portal: dict[str, str]) -> InboundEvent:
    """A dead letter applied again (its connection's scope as it is now)."""
    connection = event.connection
    if connection is None:
        event.reason = _("Its ERP connection was removed.")
        event.attempts += 1
        event.save(update_fields=["reason", "attempts"])
        return event
    event.attempts += 1
    _apply(event, connection, portal)
    return event


def _apply(event: InboundEvent, connection: ErpConnection, portal: dict[str, str]) -> None:
    source = f"erp:{connection.name}"
    try:
        with transaction.atomic():
            result = HANDLERS[event.event_type](source, connection, event, portal)
    except IntegrityError:  # a row it would write conflicts with one stored meanwhile
        event.status = InboundEvent.Status.FAILED
        event.reason = _("It conflicts with data stored meanwhile; apply it again.")
    except (CannotApply, ApplicationError) as exc:
        text = exc.text() if isinstance(exc, ApplicationError) else str(exc)
        event.status, event.reason = InboundEvent.Status.FAILED, text[:500]
    else:
        event.status, event.reason, event.result = InboundEvent.Status.APPLIED, "", result
        event.applied_at = timezone.now()
    event.save()


def _invoice(connection: ErpConnection, data: dict[str, Any]) -> Invoice:
    """The invoice an event names: by id, or by number and the supplier's tax id."""
    found = Invoice.objects.select_related("purchase_order__legal_entity")
    if data.get("invoice"):
        wanted = _uuid(data["invoice"])
        invoice = None if wanted is None else found.filter(pk=str(wanted)).first()
    else:
        number, tax_id = (
            str(data.get("invoice_number") or ""),
            str(data.get("supplier_tax_id") or ""),
        )
        if not number or not tax_id:
            raise CannotApply(
                _("Name the invoice: invoice, or invoice_number and supplier_tax_id.")
            )
        matches = list(
            found.filter(
                invoice_number__iexact=number.strip(),
                supplier__tax_id__iexact=tax_id.replace(" ", ""),
                kind=Invoice.Kind.INVOICE,
            ).exclude(status=Invoice.Status.REJECTED)[:2]
        )
        if len(matches) > 1:
            raise CannotApply(_("More than one invoice %s from that supplier.") % number)
        invoice = matches[0] if matches else None
    if invoice is None:
        raise CannotApply(_("No such invoice in Spendgate (yet)."))
    entity = invoice.purchase_order.legal_entity.code if invoice.purchase_order else None
    if not entity_within(connection.legal_entities, entity):
        raise CannotApply(
            _("Invoice %(number)s belongs to %(entity)s, outside this connection (%(scope)s).")
            % {
                "number": invoice.invoice_number,
                "entity": entity or _("no legal entity"),
                "scope": ", ".join(connection.legal_entities),
            }
        )
    return invoice


def _uuid(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _posted(
    source: str, connection: ErpConnection, event: InboundEvent, portal: dict[str, str]
) -> dict[str, Any]:
    invoice = _invoice(connection, event.data)
    invoice = invoice_posted_by_erp(
        source=source, invoice_id=invoice.pk, erp_document=_document_number(event.data)
    )
    return {"invoice": str(invoice.pk), "erp_document": invoice.erp_document_number}


def _payment_terms(data: dict[str, Any]) -> tuple[Decimal, str, date]:
    """(amount, currency, paid_on) of a payment event, or ValidationFailed naming the field."""
    errors: dict[str, list[str]] = {}
    amount = Decimal(0)
    try:
        amount = Decimal(str(data.get("amount")))
        # 1e999 is finite, and quantize() of it raises: bound it first
        if not fits(amount) or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        errors["data.amount"] = [
            _("Give the amount as a decimal string above 0, in cents, below %s.")
            % f"{Decimal(10) ** 14:,}"
        ]
    paid_on = date.min
    try:
        paid_on = date.fromisoformat(str(data.get("paid_on")))
    except ValueError:
        errors["data.paid_on"] = [_("Give paid_on as a date (YYYY-MM-DD).")]
    else:
        if problem := date_problem(paid_on):
            errors["data.paid_on"] = [problem]
    currency = data.get("currency")
    if problem := currency_problem(currency):
        errors["data.currency"] = [problem]
    for key in ("invoice_number", "supplier_tax_id", "reference"):
        if problem := identifier_problem(str(data.get(key) or "")):
            errors[f"data.{key}"] = [problem]
    if errors:
        raise ValidationFailed(errors=errors)
    return amount, str(currency), paid_on


def _document_number(data: dict[str, Any]) -> str:
    """The ERP's document number of an `invoice.posted`: kept whole or refused, never cut."""
    number = str(data.get("erp_document") or "").strip()
    if problem := identifier_problem(number, max_length=ERP_DOCUMENT_LENGTH):
        raise ValidationFailed(errors={"data.erp_document": [problem]})
    return number


# What each type's data must be before it is kept: a malformed value is refused at once (it
# would never apply), while a cause that may be fixed later (an unknown invoice) is a dead letter.
SHAPES = {
    "payment.executed": _payment_terms,
    "invoice.posted": _document_number,
}


def _paid(
    source: str, connection: ErpConnection, event: InboundEvent, portal: dict[str, str]
) -> dict[str, Any]:
    data = event.data
    invoice = _invoice(connection, data)
    amount, currency, paid_on = _payment_terms(data)
    result = invoice_payment_from_erp(
        source=source,
        invoice_id=invoice.pk,
        amount=amount,
        currency=currency,
        paid_on=paid_on,
        reference=str(data.get("reference") or ""),
        message_id=event.message_id,
    )
    return {"invoice": str(invoice.pk), **result}


def _supplier(
    source: str, connection: ErpConnection, event: InboundEvent, portal: dict[str, str]
) -> dict[str, Any]:
    data = event.data
    if any(k in data for k in ("iban", "bank_account", "account_number", "bank")):
        raise CannotApply(
            _("Bank details do not arrive from the ERP; they go through the bank change control.")
        )
    supplier, outcome = supplier_upsert_from_erp(
        source=source,
        external_id=str(data.get("external_id") or ""),
        data=data,
        base_url=portal["base_url"],
        portal_name=portal["portal_name"],
    )
    return {"supplier": str(supplier.pk), "outcome": outcome, "status": supplier.status}


HANDLERS = {"invoice.posted": _posted, "payment.executed": _paid, "supplier.upserted": _supplier}
