"""The sentences matching stores on an exception speak the invoice's money: amounts in the
currency's ISO 4217 minor units (JPY none, KWD three), grouped, never a fixed two decimals
nor a raw number; the stored variance amounts stay the numbers they were."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.matching.header import header_only_findings
from apps.matching.services.outcome import invoices_match
from apps.policies.models import PolicyVersion

from .conftest import invoice_body, make_order, tolerances_published, validated
from .test_einvoices import minimum_for
from .test_matching import receive_and_match

pytestmark = pytest.mark.django_db


def test_a_yen_price_variance_reads_in_whole_yen(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Toner", "10", "4500")], currency="JPY")
        receive(aporg, order, {1: "10"})
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "4700"}))
        exception = invoice.exceptions.get(code="price_variance")
    assert exception.detail == "Line 1: 4,700 invoiced, 4,500 ordered (2,000 over)."
    assert exception.variance_amount == Decimal("2000.00")


def test_a_dinar_price_variance_reads_in_fils(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Cable", "10", "12.500")], currency="KWD")
        receive(aporg, order, {1: "10"})
        body = invoice_body(order, prices={1: "20.000"}, tax="0")
        invoice = receive_and_match(aporg, body)
        exception = invoice.exceptions.get(code="price_variance")
    assert exception.detail == "Line 1: 20.000 invoiced, 12.500 ordered (75.000 over)."


def test_a_header_variance_in_yen_reads_its_amounts_in_yen(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    """Lines within their tolerance, the invoice above its header one: the sentence names
    the gap and the order value as money, not as the raw numbers PostgreSQL summed."""
    with in_tenant(aporg.tenant):
        tolerances_published(
            {
                "price": {"percent": 5, "absolute": None, "combine": "and"},
                "header": {"percent": 2, "absolute": None, "combine": "and"},
            }
        )
        order = make_order(aporg, [("Desk", "2", "30000"), ("Chair", "4", "10000")], currency="JPY")
        receive(aporg, order, {1: "2", 2: "4"})
        body = invoice_body(order, prices={1: "31200", 2: "10400"}, number="H-JPY")
        invoice = invoice_create(actor=aporg.clerk, data=validated(body))
        invoices_match(invoice_ids=[invoice.pk])
        exception = invoice.exceptions.get()
    assert exception.detail == "The invoice is 4,000 above the order value of its lines (100,000)."
    assert exception.variance_amount == Decimal("4000.00")


def test_a_header_only_variance_reads_in_the_invoice_currency(aporg: Any, in_tenant: Any) -> None:
    """A Factur-X MINIMUM invoice (no lines) above its order: read as a dinar invoice, its
    sentence gives three decimals."""
    with in_tenant(aporg.tenant):
        invoice = minimum_for(aporg, "500.00")
        Invoice.objects.filter(pk=invoice.pk).update(currency="KWD")
        document = PolicyVersion.objects.get(status="published").document
        [finding] = header_only_findings([invoice.pk], document["invoices"])[invoice.pk]
    assert finding.detail == (
        "Factur-X MINIMUM (header only): net 624.900 is 124.900 above what is left of the "
        "order (500.000)."
    )
    assert finding.amount == Decimal("124.90")
