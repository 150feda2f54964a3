"""Closing an exception and what follows: the announcement, an accepted variance kept where
matching reads it, and the invoice matched again once nothing but matching holds it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.transitions import move_status

from ..exception_codes import MATCH_CODES, REVIEW_CODES
from ..matcher import match_again
from ..models import Invoice, InvoiceException, InvoiceLine
from .announcements import exception_payload

OPEN = [
    InvoiceException.Status.OPEN,
    InvoiceException.Status.WAITING_SUPPLIER,
    InvoiceException.Status.PENDING_SECOND,
]


def exception_close(
    exception: InvoiceException, actor: User | None, resolution: str, comment: str
) -> None:
    move_status(exception, InvoiceException.Status.RESOLVED, noun=_("exception"))
    exception.resolution, exception.resolution_comment = resolution, comment
    exception.resolved_by, exception.resolved_at = actor, timezone.now()
    exception.save(
        update_fields=["status", "resolution", "resolution_comment", "resolved_by", "resolved_at"]
    )


def resolved_announcement(exception: InvoiceException, number: str) -> tuple[str, dict[str, Any]]:
    """The `invoice.exception_resolved` announcement of an exception just closed."""
    return (
        "invoice.exception_resolved",
        exception_payload(exception, number, resolution=exception.resolution),
    )


def acceptance_record(exception: InvoiceException) -> None:
    """Record an accepted variance where matching reads it, so a re-match keeps it."""
    gap = exception.data.get("gap")
    if exception.line_id is not None and gap is not None:
        line = InvoiceLine.objects.select_for_update().get(pk=exception.line_id)
        accepted = dict(line.accepted)
        accepted[exception.code] = gap
        line.accepted = accepted
        line.save(update_fields=["accepted"])
    elif exception.data.get("header"):
        Invoice.objects.filter(pk=exception.invoice_id).update(
            accepted_header_variance=exception.variance_amount
        )


def rematch_if_clear(invoice: Invoice, *, force: bool = False) -> None:
    still_open = invoice.exceptions.filter(status__in=OPEN).exclude(code__in=REVIEW_CODES)
    if still_open.exclude(code__in=MATCH_CODES).exists():
        return
    if not force and still_open.exists():
        return
    if invoice.status == Invoice.Status.EXCEPTION:
        move_status(invoice, Invoice.Status.RECEIVED, noun=_("invoice"))
        invoice.save(update_fields=["status"])
    match_again([invoice.pk])
