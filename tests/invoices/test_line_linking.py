"""Invoice lines that name no order line are given the one they are for when the batch is
matched (by reference, description or position), each invoice against its own order, each
order line taken once (`matching.link_order_lines`, on real PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from apps.invoices.models import InvoiceLine
from apps.invoices.services.receive import invoice_create
from apps.matching.lines import link_order_lines, load_batch

from .conftest import invoice_body, make_order, validated

pytestmark = pytest.mark.django_db


def _unlinked(aporg: Any, order: Any, number: str, lines: list[dict[str, Any]], days: int = 0):  # type: ignore[no-untyped-def]
    """An invoice on `order` whose lines name no order line (as many e-invoices arrive)."""
    body = invoice_body(order, number=number, on=date.today() - timedelta(days=days))
    body["lines"] = [{"tax_rate": "19", **line} for line in lines]
    return invoice_create(actor=aporg.clerk, data=validated(body))


def _linked(invoice: Any) -> list[int | None]:
    return [
        line.po_line.line_no if line.po_line else None
        for line in InvoiceLine.objects.filter(invoice=invoice)
        .select_related("po_line")
        .order_by("line_no")
    ]


def test_each_invoice_is_linked_against_its_own_order_each_order_line_once(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant), transaction.atomic():
        docks = make_order(aporg, [("USB-C dock", "2", "150.00"), ("USB-C dock", "2", "150.00")])
        stands = make_order(aporg, [("Monitor arm", "1", "80.00"), ("Laptop stand", "3", "45.00")])
        first = _unlinked(
            aporg,
            docks,
            "LINK-1",
            [
                {"description": "usb-c dock", "quantity": "2", "unit_price": "150.00"},
                {"description": "USB-C Dock", "quantity": "2", "unit_price": "150.00"},
            ],
        )
        second = _unlinked(
            aporg,
            stands,
            "LINK-2",
            [
                {"description": "LAPTOP STAND", "quantity": "3", "unit_price": "45.00"},
                {"description": "Cable management kit", "quantity": "1", "unit_price": "80.00"},
            ],
            days=3,
        )
        load_batch([first.pk, second.pk])
        assert link_order_lines() == 3
        # two alike lines take the two alike order lines, one each
        assert _linked(first) == [1, 2]
        # by description where it matches; the other's position is the line already taken, so
        # it stays unlinked (matching will say it is not on the order) rather than take it twice
        assert _linked(second) == [2, None]
        assert link_order_lines() == 0  # nothing left to link


def test_a_line_naming_its_order_line_keeps_it_and_the_next_is_still_linked(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant), transaction.atomic():
        order = make_order(aporg, [("Desk", "1", "300.00"), ("Desk", "1", "300.00")])
        taken = order.lines.get(line_no=1)
        invoice = _unlinked(
            aporg,
            order,
            "LINK-3",
            [
                {"po_line": taken.pk, "description": "Desk", "quantity": "1", "unit_price": "300"},
                {"description": "Desk", "quantity": "1", "unit_price": "300"},
            ],
        )
        load_batch([invoice.pk])
        assert link_order_lines() == 1
        assert _linked(invoice) == [1, 2]  # the second is not given the line already named


def test_an_unlike_description_falls_back_to_the_same_position(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant), transaction.atomic():
        order = make_order(aporg, [("Consulting", "1", "900.00"), ("Travel", "1", "100.00")])
        invoice = _unlinked(
            aporg,
            order,
            "LINK-4",
            [
                {
                    "description": "Professional services March",
                    "quantity": "1",
                    "unit_price": "900",
                },
                {"description": "Expenses", "quantity": "1", "unit_price": "100"},
            ],
        )
        load_batch([invoice.pk])
        assert link_order_lines() == 2
        assert _linked(invoice) == [1, 2]
