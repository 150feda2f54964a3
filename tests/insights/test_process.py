"""The process map (apps.insights.process): a hand-built trail with known variants, shares and
median durations, the conformance checks, the API's shape and refusals, the page, its CSV and
its drill-down, tenant isolation, and a query count that does not grow with the trail."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client as BrowserClient

from apps.events.event_types import EVENT_TYPES
from apps.events.services import event_record
from tests.conftest import PASSWORD, count_queries

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
PERIOD = "from=2026-03-01&to=2026-03-31"  # both days included
API = "/api/v1/insights/process/"

# a straight run, three times; a requisition sent back to draft and submitted again; one
# approved automatically without ever being submitted (a skipped step)
STRAIGHT = [
    (0, "requisition.created"),
    (2, "requisition.submitted"),
    (2.01, "approval.step_opened"),  # the route's bookkeeping: not on the map
    (6, "approval.approved"),
    (7, "requisition.approved"),
]
SENT_BACK = [
    (0, "requisition.created"),
    (1, "requisition.submitted"),
    (4, "requisition.withdrawn"),
    (5, "requisition.submitted"),
    (11, "approval.approved"),
    (12, "requisition.approved"),
]
UNSUBMITTED = [(0, "requisition.created"), (1, "requisition.approved", "system:policy")]


def record(
    subject_type: str,
    subject_id: str,
    when: datetime,
    action: str,
    actor: str = "ann@a.test",
    after: Any = None,
) -> None:
    payload = dict.fromkeys(EVENT_TYPES[action].fields, "") if action in EVENT_TYPES else None
    with time_machine.travel(when, tick=False), transaction.atomic():
        event_record(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            after=after,
            payload=payload,
        )


def story(steps: list[tuple[Any, ...]], start: datetime, subject_type: str = "requisition") -> str:
    """One case: its events `hours` after `start`; its id."""
    case = str(uuid.uuid4())
    for hours, action, *actor in steps:
        record(subject_type, case, start + timedelta(hours=hours), action, *actor)
    return case


def requisition_log(n_straight: int = 3) -> dict[str, str]:
    cases = {}
    for i in range(n_straight):
        cases[f"straight{i}"] = story(STRAIGHT, T0 + timedelta(days=i))
    cases["sent_back"] = story(SENT_BACK, T0 + timedelta(days=5))
    cases["unsubmitted"] = story(UNSUBMITTED, T0 + timedelta(days=6))
    # began before the period: not one of its cases, though it goes on inside it
    before = str(uuid.uuid4())
    record("requisition", before, datetime(2026, 2, 20, 9, tzinfo=UTC), "requisition.created")
    record("requisition", before, T0 + timedelta(days=2), "requisition.submitted")
    return cases


@pytest.fixture
def reader(tenant_a: Any, make_user: Any) -> Any:
    return make_user(tenant_a, "insightful", ["manager"])


def edge(result: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    return next(e for e in result["edges"] if e["from"] == source and e["to"] == target)


def test_variants_shares_and_median_hours_of_a_known_log(
    tenant_a: Any, in_tenant: Any, reader: Any, api_for: Any
) -> None:
    with in_tenant(tenant_a):
        requisition_log()
    response = api_for(tenant_a, reader).get(f"{API}?kind=requisition&{PERIOD}")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["cases"] == 5
    assert result["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    names = [a["name"] for a in result["activities"]]
    assert "approval.step_opened" not in names
    assert names[0] == "requisition.created"
    submitted = next(a for a in result["activities"] if a["name"] == "requisition.submitted")
    assert (submitted["count"], submitted["cases"], submitted["label"]) == (5, 4, "Submitted")
    assert [(v["count"], v["share"]) for v in result["variants"]] == [(3, 0.6), (1, 0.2), (1, 0.2)]
    assert result["variants"][0]["path"] == [a for h, a in STRAIGHT if a != "approval.step_opened"]
    assert result["variants_distinct"] == 3
    # created → submitted took 2, 2, 2 and 1 hours; submitted → approval 4, 4, 4 and 6
    assert edge(result, "requisition.created", "requisition.submitted") == {
        "from": "requisition.created",
        "to": "requisition.submitted",
        "count": 4,
        "hours_p50": 2.0,
    }
    assert edge(result, "requisition.submitted", "approval.approved")["hours_p50"] == 4.0
    assert edge(result, "requisition.withdrawn", "requisition.submitted")["count"] == 1
    assert edge(result, "requisition.created", "requisition.auto_approved")["hours_p50"] == 1.0


def test_conformance_names_the_skipped_step_and_counts_rework(
    tenant_a: Any, in_tenant: Any, reader: Any, api_for: Any
) -> None:
    with in_tenant(tenant_a):
        requisition_log()
    conformance = api_for(tenant_a, reader).get(f"{API}?{PERIOD}").json()["conformance"]
    skipped = {s["step"]: s["count"] for s in conformance["skipped_steps"]}
    assert skipped == {"requisition.submitted": 1, "requisition.approved": 0}
    assert conformance["rework"] == 1
    assert conformance["rework_by_activity"] == [{"name": "requisition.submitted", "count": 1}]
    assert conformance["approvals_after_po"] == 0


def test_invoices_approved_without_a_match_paid_without_approval_and_rematched(
    tenant_a: Any, in_tenant: Any, reader: Any, api_for: Any
) -> None:
    clean = [
        (0, "invoice.received"),
        (0.5, "invoice.matched", "system:matching", {"status": "approved"}),
        (30, "invoice.paid"),
    ]
    rematched = [
        (0, "invoice.received"),
        (0.5, "invoice.matched", "system:matching", {"status": "exception"}),
        (3, "invoice.exception_resolved"),
        (3.5, "invoice.rematch_requested"),
        (4, "invoice.matched", "system:matching", {"status": "approved"}),
        (50, "invoice.paid"),
    ]
    unmatched = [(0, "invoice.received"), (2, "invoice.approved"), (40, "invoice.paid")]
    unapproved = [(0, "invoice.received"), (20, "invoice.paid")]
    with in_tenant(tenant_a):
        for i, steps in enumerate([clean, clean, rematched, unmatched, unapproved]):
            story(steps, T0 + timedelta(days=i), subject_type="invoice")
    result = api_for(tenant_a, reader).get(f"{API}?kind=invoice&{PERIOD}").json()
    assert result["cases"] == 5
    assert result["variants"][0] == {
        "path": ["invoice.received", "invoice.matched.approved", "invoice.paid"],
        "count": 2,
        "share": 0.4,
    }
    assert edge(result, "invoice.matched.approved", "invoice.paid")["hours_p50"] == 29.5
    conformance = result["conformance"]
    skipped = {s["step"]: s["count"] for s in conformance["skipped_steps"]}
    assert skipped == {"invoice.matched": 1, "invoice.approved": 1}
    assert conformance["rework"] == 1
    assert conformance["rework_by_activity"] == [{"name": "invoice.matched", "count": 1}]


def test_a_real_requisition_carries_its_order_and_an_approval_after_it_is_reported(
    org: Any, in_tenant: Any, api_for: Any
) -> None:
    from apps.procurement.models import PurchaseOrder
    from apps.procurement.services.requisitions import requisition_create, requisition_submit
    from tests.org import requisition_body, supplier_for

    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant), transaction.atomic():
        requisition = requisition_create(
            actor=org.requester, data=requisition_body("400.00", supplier=supplier)
        )
        requisition_submit(actor=org.requester, requisition_id=requisition.pk)
        order = PurchaseOrder.objects.get(requisition=requisition)
    with in_tenant(org.tenant):
        later = datetime.now(UTC) + timedelta(minutes=5)
        record("purchase_order", str(order.pk), later, "goods_receipt.posted")
        again = later + timedelta(minutes=5)
        record("requisition", str(requisition.pk), again, "approval.approved")
    client = api_for(org.tenant, org.manager)
    result = client.get(API).json()
    assert result["cases"] == 1
    path = result["variants"][0]["path"]
    assert path[-4:] == [
        "requisition.auto_approved",
        "purchase_order.issued",
        "goods_receipt.posted",
        "approval.approved",
    ]
    assert result["conformance"]["approvals_after_po"] == 1
    assert {s["step"]: s["count"] for s in result["conformance"]["skipped_steps"]} == {
        "requisition.approved": 0,
        "requisition.submitted": 0,
    }
    # the drill-down of an arrow names the requisition and links to its page
    browser = signed_in(org.manager)
    page = browser.get(
        "/insights/process/cases/?kind=requisition&source=requisition.auto_approved"
        "&target=purchase_order.issued"
    )
    assert page.status_code == 200
    assert f'href="/requisitions/{requisition.pk}/"' in page.content.decode()
    assert requisition.number in page.content.decode()


def test_another_tenants_events_never_appear(
    tenant_a: Any, tenant_b: Any, in_tenant: Any, make_user: Any, reader: Any, api_for: Any
) -> None:
    with in_tenant(tenant_a):
        requisition_log()
    with in_tenant(tenant_b):
        story(UNSUBMITTED, T0)
    in_a = api_for(tenant_a, reader).get(f"{API}?{PERIOD}").json()
    assert in_a["cases"] == 5
    other = make_user(tenant_b, "insightful", ["auditor"])
    in_b = api_for(tenant_b, other).get(f"{API}?{PERIOD}").json()
    assert in_b["cases"] == 1
    assert {a["name"] for a in in_b["activities"]} == {
        "requisition.created",
        "requisition.auto_approved",
    }


@pytest.mark.parametrize("role", ["requester", "approver", "buyer", "ap_clerk"])
def test_whoever_lacks_view_insights_is_refused(
    tenant_a: Any, make_user: Any, api_for: Any, role: str
) -> None:
    person = make_user(tenant_a, f"no-insight-{role}", [role])
    response = api_for(tenant_a, person).get(API)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    browser = signed_in(person)
    assert browser.get("/insights/process/").status_code == 403
    assert browser.get("/insights/process/cases/?source=a.b&target=c.d").status_code == 403


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("kind=supplier", 400, "invalid_parameter", "kind"),
        ("from=2026-02-30", 400, "invalid_parameter", "from"),
        ("to=20260301", 400, "invalid_parameter", "to"),
        ("kind=invoice&kind=requisition", 400, "invalid_parameter", "kind"),
        ("from=2026-03-10&to=2026-03-01", 422, "validation_error", "to"),
        ("from=2020-01-01&to=2026-01-01", 422, "validation_error", "from"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(
    tenant_a: Any, reader: Any, api_for: Any, query: str, status: int, code: str, field: str
) -> None:
    response = api_for(tenant_a, reader).get(f"{API}?{query}")
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    assert list(body["errors"]) == [field]


def test_the_query_count_does_not_grow_with_the_trail(
    tenant_a: Any, in_tenant: Any, reader: Any, api_for: Any
) -> None:
    client = api_for(tenant_a, reader)
    browser = signed_in(reader)
    with in_tenant(tenant_a):
        requisition_log(n_straight=1)
    api_small = count_queries(lambda: client.get(f"{API}?{PERIOD}"))
    page_small = count_queries(lambda: browser.get(f"/insights/process/?{PERIOD}"))
    with in_tenant(tenant_a):
        requisition_log(n_straight=12)
    assert client.get(f"{API}?{PERIOD}").json()["cases"] == 17
    assert count_queries(lambda: client.get(f"{API}?{PERIOD}")) == api_small
    assert count_queries(lambda: browser.get(f"/insights/process/?{PERIOD}")) == page_small


def test_the_page_draws_the_map_with_labelled_arrows_that_drill_down(
    tenant_a: Any, in_tenant: Any, reader: Any
) -> None:
    with in_tenant(tenant_a):
        cases = requisition_log()
    browser = signed_in(reader)
    page = browser.get(f"/insights/process/?kind=requisition&{PERIOD}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpha Purchasing" in html  # the tenant's own portal
    assert 'data-testid="process-map"' in html and "<svg" in html
    assert 'data-activity="requisition.created"' in html
    assert 'data-source="requisition.created" data-target="requisition.submitted"' in html
    assert "4 · 2.0 h" in html  # count and median hours written as text on the arrow
    assert "source=requisition.withdrawn&amp;target=requisition.submitted" in html
    assert "60 %" in html  # the straight run's share in the variants table
    drill = browser.get(
        f"/insights/process/cases/?kind=requisition&{PERIOD}"
        "&source=requisition.submitted&target=requisition.withdrawn"
    )
    assert drill.status_code == 200
    assert cases["sent_back"] in drill.content.decode()
    assert cases["straight0"] not in drill.content.decode()


def test_the_variants_table_downloads_as_csv(tenant_a: Any, in_tenant: Any, reader: Any) -> None:
    with in_tenant(tenant_a):
        requisition_log()
    response = signed_in(reader).get(f"/insights/process/?kind=requisition&{PERIOD}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["rank", "cases", "share", "steps", "path", "activities"]
    assert rows[1][:4] == ["1", "3", "0.6000", "4"]
    assert rows[1][4].startswith("Requisition created > Submitted")
    assert len(rows) == 4


def test_a_bad_period_on_the_page_falls_back_to_the_last_30_days(reader: Any) -> None:
    page = signed_in(reader).get("/insights/process/?from=2026-03-10&to=2026-03-01")
    assert page.status_code == 200
    assert "The period ends before it starts." in page.content.decode()


def signed_in(user: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="a.localhost")
    response = browser.post("/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser
