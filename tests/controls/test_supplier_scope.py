"""A supplier user's scope: an unknown supplier is not found, and the invoice API lists a
supplier's own invoices only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from apps.controls.refusals import NotFound
from apps.invoices.services.receive import invoice_create
from apps.suppliers.models import Supplier
from apps.suppliers.services.access import locked_for
from tests import world
from tests.invoices.conftest import invoice_body, make_order, validated
from tests.invoices.test_exceptions import portal_user_of
from tests.suppliers.conftest import invite

pytestmark = pytest.mark.django_db


def test_a_supplier_acting_on_an_unknown_supplier_is_told_not_found(
    sorg: Any, in_tenant: Any
) -> None:
    import uuid

    with in_tenant(sorg.tenant), pytest.raises(NotFound), transaction.atomic():
        locked_for(sorg.buyer, uuid.uuid4())


def test_a_supplier_user_lists_only_its_own_invoices_by_api(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any, sorg: Any
) -> None:
    with in_tenant(aporg.tenant):
        mine = world.received(aporg, receive, number="MINE-1")
        other_supplier = invite(sorg, "Northwind Traders")
        # approved (and so compliant) without its onboarding route
        Supplier.objects.filter(pk=other_supplier.pk).update(
            status="approved", compliance="compliant"
        )
        order = make_order(aporg, [("Chair", "2", "80.00")], supplier=other_supplier)
        theirs = invoice_create(
            actor=aporg.clerk, data=validated(invoice_body(order, number="THEIRS-1"))
        )
        user = portal_user_of(aporg)
    api = api_for(aporg.tenant, user)
    listed = {i["invoice_number"] for i in api.get("/api/v1/invoices/").json()["results"]}
    assert listed == {mine.invoice_number}
    assert api.get(f"/api/v1/invoices/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/invoices/?supplier={other_supplier.pk}").json()["count"] == 0
