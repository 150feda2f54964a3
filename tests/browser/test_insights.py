"""In the browser: an AP manager narrows /insights/ to one legal entity, follows a tile and
lands on the list of exactly the invoices it counted."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.test_requisition_flow import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_ap_manager_follows_a_tile_of_one_legal_entity(
    page: Any, live_server_url: str, committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    from django.db import transaction
    from django.utils import timezone

    from apps.accounts.services import user_ensure
    from apps.invoices.models import Invoice
    from apps.suppliers.models import Supplier
    from apps.tenancy.context import tenant_context
    from tests.insights.conftest import Books, _invoice, _order

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant), transaction.atomic():
        manager = user_ensure(email="apm@x.test", password=PASSWORD, roles=["ap_manager"])
        org = SimpleNamespace(requester=committed_org["requester"])
        books = Books(org=org, day0=timezone.localdate(), first=timezone.localdate(),
                      last=timezone.localdate())  # fmt: skip
        books.supplier = Supplier.objects.create(name="Fabrikam Metals", country="DE")
        de, us = (
            _order(org, books.supplier, "DE01", "BDE"),
            _order(org, books.supplier, "US01", "BUS"),
        )
        arrived = timezone.now() - timedelta(hours=2)
        for name, order in (("B1", de), ("B2", de), ("B3", de), ("B4", us)):
            _invoice(books, name, arrived=arrived, purchase_order=order,
                     status=Invoice.Status.APPROVED, touchless=True)  # fmt: skip

    base = live_server_url.format(host=committed_org["host"])
    sign_in(page, base, manager.email)
    page.goto(base + "/insights/")
    page.get_by_label("Legal entity").select_option("DE01")
    page.get_by_test_id("insights-filters").get_by_role("button", name="Show").click()
    tile = page.locator('[data-kpi="invoices.received"]')
    assert tile.get_by_test_id("tile-link").inner_text() == "3"
    tile.get_by_test_id("tile-link").click()
    page.get_by_test_id("drill-count").wait_for()
    assert page.url.startswith(base + "/invoices/") and "legal_entity=DE01" in page.url
    assert page.get_by_test_id("drill-count").inner_text().startswith("3 invoices")
    rows = page.get_by_test_id("invoices").locator("tbody tr")
    assert rows.count() == 3
    assert sorted(rows.nth(i).locator("td").first.inner_text().split()[0] for i in range(3)) == [
        "INV-B1",
        "INV-B2",
        "INV-B3",
    ]
