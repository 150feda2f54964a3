"""`partner/usage/`: a hand-built month's exact figures in JSON and CSV, each tenant's month in
its own time zone; who may read it; the query count flat with more tenants and rows; the
console page; storage measured and kept per month; sign-ins kept per month."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client as WebClient
from rest_framework.test import APIClient

from apps.accounts.models import MonthlySignIn, User
from apps.partners.models import StorageMeasure
from apps.partners.usage.storage import storage_measure_all
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client
from tests.conftest import PASSWORD, count_queries, host_of, partner_signed_in

from .conftest import MONTH, partner_client

pytestmark = pytest.mark.django_db
EMPTY_CHANNELS = {"api": 0, "portal": 0, "ubl": 0, "cii": 0, "facturx": 0, "csv": 0, "email": 0}


def console_as(email: str) -> WebClient:
    return partner_signed_in(email)  # type: ignore[no-any-return]


def _row(body: dict[str, Any], slug: str) -> dict[str, Any]:
    [row] = [t for t in body["tenants"] if t["slug"] == slug]
    return row


def test_the_month_reads_its_known_figures(month_built: Any) -> None:
    response = partner_client("billing@partner.test").get("/api/v1/partner/usage/?month=2026-10")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2026-10"
    assert {t["slug"] for t in body["tenants"]} == {"tenanta", "tenantb"}
    row = _row(body, "tenanta")
    assert row["active_users"] == 2
    assert row["requisitions"] == 2
    assert row["purchase_orders"] == 1
    assert row["invoices"] == {**EMPTY_CHANNELS, "api": 2, "email": 1}
    assert row["invoices_total"] == 3
    assert row["emails_received"] == 2
    assert row["storage_bytes"] is None  # October was never measured
    assert row["plan"]["state"] == "ok" and row["plan"]["invoices_hard"] is None
    quiet = _row(body, "tenantb")
    assert (quiet["active_users"], quiet["invoices_total"], quiet["emails_received"]) == (0, 0, 0)


def test_the_month_is_the_tenants_own(month_built: Any) -> None:
    """In UTC the same rows fall otherwise: what came at 22:30 UTC on 30 September (October in
    Berlin) is September's, what came at 23:30 UTC on 31 October (November in Berlin) is
    October's."""
    Client.objects.filter(pk=month_built.pk).update(time_zone="UTC")
    body = partner_client("partner@partner.test").get("/api/v1/partner/usage/?month=2026-10")
    row = _row(body.json(), "tenanta")
    assert row["invoices"] == {**EMPTY_CHANNELS, "api": 1, "email": 2}
    assert (row["requisitions"], row["purchase_orders"], row["emails_received"]) == (2, 2, 2)


def test_the_same_figures_as_csv(month_built: Any) -> None:
    response = partner_client("billing@partner.test").get(
        "/api/v1/partner/usage/?month=2026-10&format=csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="usage-2026-10.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    [row] = [r for r in rows if r["slug"] == "tenanta"]
    assert row["month"] == "2026-10"
    assert (row["active_users"], row["requisitions"], row["purchase_orders"]) == ("2", "2", "1")
    assert (row["invoices_api"], row["invoices_email"], row["invoices_portal"]) == ("2", "1", "0")
    assert (row["invoices_total"], row["emails_received"], row["storage_bytes"]) == ("3", "2", "")
    assert row["plan_state"] == "ok"


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "October", "1999-12", "2026-10-01", ""])
def test_a_month_not_understood_is_refused(partner_api: Any, month: str) -> None:
    response = partner_api.get(f"/api/v1/partner/usage/?month={month}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert "month" in response.json()["errors"]


def test_the_current_month_by_default(partner_api: Any, tenant_a: Any) -> None:
    body = partner_api.get("/api/v1/partner/usage/").json()
    assert len(body["month"]) == 7
    # the current month is measured when asked: storage is known
    assert _row(body, "tenanta")["storage_bytes"] > 0


@pytest.mark.parametrize(
    ("email", "status"),
    [("billing@partner.test", 200), ("partner@partner.test", 200), ("support@partner.test", 403)],
)
def test_billing_and_admins_read_usage_support_does_not(
    tenant_a: Any, email: str, status: int
) -> None:
    response = partner_client(email).get("/api/v1/partner/usage/?month=2026-10")
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "permission_denied"


def test_a_tenant_user_reads_no_usage(org: Any, api_for: Any) -> None:
    response = api_for(org.tenant, org.admin).get("/api/v1/partner/usage/")
    assert response.status_code in (403, 404)


def test_a_rival_partner_sees_none_of_our_tenants(month_built: Any) -> None:
    body = partner_client("other@rival.test").get("/api/v1/partner/usage/?month=2026-10").json()
    assert body["tenants"] == []


def test_the_query_count_does_not_grow_with_tenants_or_rows(
    month_built: Any, partner_api: Any, org: Any, in_tenant: Any
) -> None:
    from apps.tenancy.services import tenant_provision

    from .conftest import FIRST, invoice, mail, requisition

    def ask() -> Any:
        return partner_api.get("/api/v1/partner/usage/?month=2026-10")

    ask()
    before = count_queries(ask)
    partner_user = User.objects.get(email="partner@partner.test")
    tenant_provision(
        actor=partner_user, slug="tenantc", name="Tenant C", domain="c.localhost", brand={}
    )
    with in_tenant(month_built):
        from apps.suppliers.models import Supplier

        supplier = Supplier.objects.get(name="Usage Supplies")
        for _ in range(5):
            requisition(org, FIRST)
            invoice(supplier, FIRST, "csv")
            mail(FIRST, "received")
    assert count_queries(ask) == before
    assert len(ask().json()["tenants"]) == 3


def test_storage_is_kept_per_month_and_a_past_month_reads_it(month_built: Any) -> None:
    StorageMeasure.objects.create(
        client=month_built,
        month=MONTH,
        database_bytes=1000,
        files_bytes=24,
        measured_at="2026-10-20T10:00:00Z",
    )
    body = partner_client("billing@partner.test").get("/api/v1/partner/usage/?month=2026-10")
    assert _row(body.json(), "tenanta")["storage_bytes"] == 1024

    assert storage_measure_all() == Client.objects.exclude(schema_name="public").count()
    kept = StorageMeasure.objects.exclude(month=MONTH).get(client=month_built)
    assert kept.database_bytes > 0
    # a smaller measurement later in the month does not lower what the month held
    StorageMeasure.objects.filter(pk=kept.pk).update(database_bytes=10**12)
    storage_measure_all()
    kept.refresh_from_db()
    assert kept.database_bytes == 10**12


def test_a_sign_in_is_kept_for_its_month(org: Any) -> None:
    web = WebClient(HTTP_HOST=host_of(org.tenant))
    response = web.post("/login/", {"username": org.requester.email, "password": PASSWORD})
    assert response.status_code == 302
    web.logout()
    web.post("/login/", {"username": org.requester.email, "password": PASSWORD})
    with tenant_context(org.tenant):
        [kept] = MonthlySignIn.objects.filter(user=org.requester)
        assert kept.month.day == 1 and kept.last_at >= kept.first_at


def test_a_token_asked_for_with_the_password_is_a_sign_in_of_the_month(org: Any) -> None:
    api = APIClient(HTTP_HOST=host_of(org.tenant))
    asked = api.post(
        "/api/v1/auth/token/",
        {"username": org.approver.email, "password": PASSWORD},
        format="json",
    )
    assert asked.status_code == 200, asked.content
    with tenant_context(org.tenant):
        assert MonthlySignIn.objects.filter(user=org.approver).count() == 1


def test_the_console_page_lists_the_month_and_offers_the_csv(month_built: Any) -> None:
    web = console_as("billing@partner.test")
    page = web.get("/partner/usage/?month=2026-10")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tenant A" in text and "Tenant B" in text
    assert "?month=2026-10&amp;format=csv" in text
    assert 'href="/partner/usage/"' in web.get("/partner/").content.decode()  # in the menu
    download = web.get("/partner/usage/?month=2026-10&format=csv")
    assert download["Content-Disposition"] == 'attachment; filename="usage-2026-10.csv"'
    assert b"tenanta" in download.content
    bad = web.get("/partner/usage/?month=2026-13")
    assert bad.status_code == 200 and "YYYY-MM" in bad.content.decode()


def test_support_may_not_open_the_usage_page(tenant_a: Any) -> None:
    web = console_as("support@partner.test")
    assert web.get("/partner/usage/").status_code == 403
    assert 'href="/partner/usage/"' not in web.get("/partner/").content.decode()
