"""What the invoice event types carry (apps/events/event_types.py, docs/events.md)."""

from __future__ import annotations

from typing import Any

from ..models import Invoice, InvoiceException


def invoice_payload(invoice: Invoice, **extra: Any) -> dict[str, Any]:
    """What every invoice event type carries (docs/events.md)."""
    return {
        "id": invoice.pk,
        "number": invoice.invoice_number,
        "supplier": invoice.supplier_id,
        "supplier_name": invoice.supplier.name,
        "total": invoice.total,
        "currency": invoice.currency,
        **extra,
    }


def exception_payload(exception: InvoiceException, number: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": exception.invoice_id,
        "number": number,
        "exception": exception.pk,
        "code": exception.code,
        "category": exception.category,
        **extra,
    }


def exceptions_raised(
    exceptions: list[InvoiceException], numbers: dict[Any, str]
) -> list[tuple[str, dict[str, Any]]]:
    """`invoice.exception_raised`, once per exception, for the event that raised them."""
    return [
        ("invoice.exception_raised", exception_payload(e, numbers.get(e.invoice_id, "")))
        for e in exceptions
    ]
