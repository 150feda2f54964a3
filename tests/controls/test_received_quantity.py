"""Three-way match: the quantity an approved invoice consumed is not received for the next."""

from __future__ import annotations

from typing import Any

import pytest

from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.matching.services.outcome import invoices_match
from tests.invoices.conftest import invoice_body, make_order, validated

pytestmark = pytest.mark.django_db


def test_quantity_an_approved_invoice_consumed_is_not_received_for_the_next(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Docking station", "10", "120.00")])
        receive(aporg, order, {1: "5"})  # half the order arrived
        first = invoice_create(
            actor=aporg.clerk,
            data=validated(invoice_body(order, number="C-1", quantities={1: "5"})),
        )
        invoices_match(invoice_ids=[first.pk])
        first.refresh_from_db()
        assert first.status == Invoice.Status.APPROVED
        # within the order (5 + 4 of 10), but the 5 received were all invoiced already
        second = invoice_create(
            actor=aporg.clerk,
            data=validated(invoice_body(order, number="C-2-OTHER", quantities={1: "4"})),
        )
        invoices_match(invoice_ids=[second.pk])
        second.refresh_from_db()
        codes = set(second.exceptions.values_list("code", flat=True))
        assert codes == {"not_received"} and second.status == Invoice.Status.EXCEPTION
