"""Retention fixtures: invoices dated years back on orders of the DE01 and US01 entities."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from apps.invoices.models import Invoice
from tests.invoices.conftest import aporg, invoice_body, make_order, receive, validated

__all__ = ["aporg", "receive"]


def years_ago(years: int) -> date:
    """Mid-year, `years` calendar years before this one."""
    return date(timezone.localdate().year - years, 6, 1)


def dated_invoice(
    aporg: Any,
    receive: Any,
    number: str,
    *,
    on: date,
    entity: str = "DE01",
    supplier: Any = None,
) -> Invoice:
    """A received and matched invoice (lines, match results, maybe exceptions), then dated
    `on` as if it had arrived then."""
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match

    currency = "USD" if entity == "US01" else "EUR"
    order = make_order(
        aporg, [("Laptop stand", "10", "45.00")], entity=entity, currency=currency,
        supplier=supplier,
    )  # fmt: skip
    receive(aporg, order, {1: "10"})
    created = invoice_create(actor=aporg.clerk, data=validated(invoice_body(order, number=number)))
    invoices_match(invoice_ids=[created.pk])
    Invoice.objects.filter(pk=created.pk).update(invoice_date=on)
    created.refresh_from_db()
    return created


def purge(**kwargs: Any) -> dict[str, Any]:
    """Run the purge as beat does; its PurgeRuns by kind."""
    from apps.retention.services.purge import retention_purge

    return {run.kind: run for run in retention_purge(actor="system:retention", **kwargs)}
