"""The partner's view of its client tenants (`GET /api/v1/partner/insights/`, `/partner/`):
only its own tenants, only counts and rates, its benchmark, and queries that do not grow with
tenants or days."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone
from rest_framework.test import APIClient

from apps.tenancy.figure_stores import client_day_store
from apps.tenancy.models import Client, ClientDay, Partner
from tests.conftest import count_queries, partner_api_for, partner_signed_in

pytestmark = pytest.mark.django_db
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 3)
PERIOD = f"from={FIRST}&to={LAST}"
HEALTHY = {"failing_webhooks": 0, "failing_erp": 0, "stuck_tasks": 0}


def _day(client: Any, day: date, **figures: Any) -> None:
    client_day_store(client=client, day=day, figures={"health": HEALTHY, **figures})


@pytest.fixture
def days(tenant_a: Any, tenant_b: Any) -> None:
    """Tenant A: three days (two busy, one quiet); tenant B: one day, nothing decided."""
    _day(
        tenant_a,
        FIRST,
        active_users=4,
        requisitions_submitted=3,
        invoices_received=5,
        invoices_decided=4,
        invoices_touchless=3,
        approvals_decided=2,
        approval_hours={"1": 1, "2": 1},
        exceptions_open=7,
        exceptions_overdue=2,
        last_activity=timezone.make_aware(timezone.datetime(2026, 3, 1, 17, 0)),
    )
    _day(
        tenant_a,
        FIRST + timedelta(days=1),
        active_users=6,
        requisitions_submitted=1,
        invoices_received=2,
        invoices_decided=4,
        invoices_touchless=3,
        approvals_decided=1,
        approval_hours={"30": 1},
        exceptions_open=5,
        exceptions_overdue=1,
        health={"failing_webhooks": 1, "failing_erp": 0, "stuck_tasks": 2},
    )
    _day(tenant_a, LAST, exceptions_open=4, exceptions_overdue=0)  # nothing happened
    _day(tenant_a, LAST + timedelta(days=1), requisitions_submitted=99)  # after the period
    _day(tenant_b, FIRST, active_users=1, invoices_received=2, exceptions_open=1)


def _partner_client(email: str) -> APIClient:
    return partner_api_for(email)  # type: ignore[no-any-return]


def test_the_partner_reads_each_own_tenants_figures_and_its_benchmark(
    partner_api: APIClient, days: None
) -> None:
    response = partner_api.get(f"/api/v1/partner/insights/?{PERIOD}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"]) == (str(FIRST), str(LAST))
    a, b = body["tenants"]  # by name: Tenant A, Tenant B
    assert a == {
        "slug": "tenanta",
        "name": "Tenant A",
        "active_users": 6,  # the busiest day's people
        "requisitions": 4,
        "invoices_received": 7,
        "touchless_rate": 0.75,  # 6 of 8 decided
        "exceptions_open": 4,  # the latest day's
        "exceptions_overdue": 0,
        "approval_hours_p50": 2.12,  # 1 h, 2 h, 30 h: the middle one, within its quarter hour
        "last_activity": "2026-03-01T17:00:00Z",
        "health": HEALTHY,  # the latest day's
        "days_computed": 3,
    }
    assert b["touchless_rate"] is None and b["approval_hours_p50"] is None  # nothing decided
    assert b["invoices_received"] == 2 and b["days_computed"] == 1
    assert body["benchmark"] == {
        "active_users": 3.5,
        "requisitions": 2,
        "invoices_received": 4.5,
        "touchless_rate": 0.75,  # the only client with a rate
        "exceptions_open": 2.5,
        "exceptions_overdue": 0,
        "approval_hours_p50": 2.12,
    }


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_only_the_partners_own_tenants_and_only_aggregates(
    partner_api: APIClient, tenant_b: Any, days: None
) -> None:
    rival = Partner.objects.get(name="Rival Partners")
    Client.objects.filter(pk=tenant_b.pk).update(partner=rival)
    ours = partner_api.get(f"/api/v1/partner/insights/?{PERIOD}").json()
    theirs = _partner_client("other@rival.test").get(f"/api/v1/partner/insights/?{PERIOD}").json()
    assert [t["slug"] for t in ours["tenants"]] == ["tenanta"]
    assert [t["slug"] for t in theirs["tenants"]] == ["tenantb"]
    assert theirs["benchmark"]["invoices_received"] == 2  # its own client only
    # counts, rates and the tenant's name: no id of any row, no tenant's record
    assert _keys(ours) == {
        *("from", "to", "tenants", "benchmark", "slug", "name", "days_computed"),
        *("active_users", "requisitions", "invoices_received", "touchless_rate"),
        *("exceptions_open", "exceptions_overdue", "approval_hours_p50", "last_activity"),
        *("health", "failing_webhooks", "failing_erp", "stuck_tasks"),
    }


def test_the_period_and_order_are_checked(partner_api: APIClient, days: None) -> None:
    url = "/api/v1/partner/insights/"
    for bad in ("from=2026-02-30", "to=yesterday", "sort=id", f"{PERIOD}&from=2026-03-02"):
        response = partner_api.get(f"{url}?{bad}")
        assert response.status_code == 400, bad
        assert response.json()["code"] == "invalid_parameter"
    backwards = partner_api.get(f"{url}?from={LAST}&to={FIRST}")
    assert backwards.status_code == 422 and "to" in backwards.json()["errors"]
    too_long = partner_api.get(f"{url}?from=2020-01-01&to=2026-01-01")
    assert too_long.status_code == 422
    by_requisitions = partner_api.get(f"{url}?{PERIOD}&sort=-requisitions").json()
    assert [t["slug"] for t in by_requisitions["tenants"]] == ["tenanta", "tenantb"]
    by_rate = partner_api.get(f"{url}?{PERIOD}&sort=-touchless_rate").json()
    assert [t["slug"] for t in by_rate["tenants"]] == ["tenanta", "tenantb"]  # null last
    by_rate = partner_api.get(f"{url}?{PERIOD}&sort=touchless_rate").json()
    assert [t["slug"] for t in by_rate["tenants"]] == ["tenanta", "tenantb"]
    default = partner_api.get(url).json()
    assert default["to"] == str(timezone.localdate())
    assert date.fromisoformat(default["to"]) - date.fromisoformat(default["from"]) == timedelta(29)
    assert APIClient(HTTP_HOST="localhost").get(url).status_code == 401


def _console() -> BrowserClient:
    return partner_signed_in("partner@partner.test")


def test_the_console_shows_the_figures_sorted_with_health_in_words_and_as_csv(
    days: None,
) -> None:
    browser = _console()
    page = browser.get(f"/partner/?{PERIOD}&sort=-invoices_received").content.decode()
    figures = page[page.index('data-testid="figures"') :]
    assert figures.index("Tenant A") < figures.index("Tenant B")
    assert "75 %" in figures and "Healthy" in figures and "Benchmark" in figures
    page = browser.get(f"/partner/?from={FIRST}&to={FIRST + timedelta(days=1)}").content.decode()
    assert "1 webhook endpoints failing; 2 items stuck in a queue" in page
    bad = browser.get("/partner/?from=2026-13-01").content.decode()
    assert "not valid" in bad and 'data-testid="figures"' in bad  # said, and the default shown
    export = browser.get(f"/partner/?{PERIOD}&sort=name&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:4] == ["tenant", "name", "active_users", "requisitions"]
    assert rows[1][:6] == ["tenanta", "Tenant A", "6", "4", "7", "0.75"]
    assert rows[2][0] == "tenantb" and rows[3][1] == "Benchmark (median)"


def test_the_consoles_queries_do_not_grow_with_tenants_or_days(days: None) -> None:
    browser = _console()
    few = count_queries(lambda: browser.get(f"/partner/?{PERIOD}"))
    partner = Partner.objects.get(name="Test Partners")
    # rows only: the console never opens a tenant's schema, so none is needed
    more = Client.objects.bulk_create(
        Client(schema_name=f"many{i}", slug=f"many{i}", name=f"Many {i}", partner=partner)
        for i in range(4)
    )
    ClientDay.objects.bulk_create(
        ClientDay(client=c, day=FIRST + timedelta(days=d), computed_at=timezone.now())
        for c in more
        for d in range(3)
    )
    many = count_queries(lambda: browser.get(f"/partner/?{PERIOD}"))
    assert "Many 3" in browser.get(f"/partner/?{PERIOD}").content.decode()
    assert many == few


def test_the_published_schema_declares_the_period_and_the_order() -> None:
    from drf_spectacular.generators import SchemaGenerator

    generated = SchemaGenerator(urlconf="config.urls_public").get_schema(request=None, public=True)
    operation = generated["paths"]["/api/v1/partner/insights/"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["from"] == params["to"] == {"type": "string", "format": "date"}
    assert {"name", "-touchless_rate", "health"} <= set(params["sort"]["enum"])
    assert {"200", "400", "401", "422"} <= set(operation["responses"])
