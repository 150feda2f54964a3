"""The resolutions a person may take on an exception right now, decided as
apps.invoices.services.resolutions.exception_resolve decides them (its queue, the code, the
exception's and the invoice's status, four eyes on a duplicate, the person's variance
authority): advice never suggests one the service would refuse. tests/assistants hold the two
together by trying each resolution through the service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.accounts.models import User
from apps.invoices.exception_codes import RESOLUTIONS, VARIANCE_CODES
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.rules import may_work, variance_authority
from apps.invoices.services.resolutions import settled_for

Status = InvoiceException.Status


def _by_status(resolution: str, exception: InvoiceException, user: User, invoice: Any) -> bool:
    """The checks each resolution's own step makes before it changes anything."""
    if resolution == "request_credit_note":
        return exception.status == Status.OPEN
    if resolution == "release_duplicate":
        if exception.status == Status.PENDING_SECOND:
            return exception.first_decider_id != user.pk  # a second person confirms
        return exception.status == Status.OPEN
    if resolution == "reject_invoice":
        return Invoice.Status.REJECTED in Invoice.TRANSITIONS[invoice.status]
    return True


def resolutions_allowed(exception: InvoiceException, user: User) -> list[str]:
    """The resolutions `user` may take on `exception`, in RESOLUTIONS' order ([] when none)."""
    if exception.status == Status.RESOLVED or not may_work(user, exception.queue):
        return []
    invoice = exception.invoice
    authority: Decimal | None = None
    allowed = []
    for resolution, (codes, _comment) in RESOLUTIONS.items():
        if codes is not None and exception.code not in codes:
            continue
        if invoice.status in settled_for(resolution) or not _by_status(
            resolution, exception, user, invoice
        ):
            continue
        if resolution in ("accept_variance", "override") and exception.code in VARIANCE_CODES:
            authority = variance_authority(user) if authority is None else authority
            if exception.variance_amount > authority:
                continue
        allowed.append(resolution)
    return allowed
