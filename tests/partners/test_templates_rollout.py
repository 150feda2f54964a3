"""Staged rollout of a policy template: a pilot first, then the rest; the per-tenant preview on
each tenant's own last 90 days; the partner API and pages, and who may use them."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.partners.policy_templates.selectors import template_preview
from apps.partners.policy_templates.services import template_create
from apps.policies.document import DEFAULT_POLICY
from apps.policies.models import PolicyManagement
from apps.policies.selectors import policy_published
from apps.procurement.models import Requisition
from apps.tenancy.context import public_context
from tests.conftest import count_queries, partner_api_for
from tests.org import Org, requisition_body

from .conftest import FIELDS, STANDARD, partner_user, signed_in, version_of

pytestmark = pytest.mark.django_db


def _api(email: str) -> APIClient:
    return partner_api_for(email)  # type: ignore[no-any-return]


def _bound(tenant: Any, in_tenant: Any) -> PolicyManagement | None:
    with in_tenant(tenant):
        return PolicyManagement.objects.first()


def test_a_version_reaches_the_pilot_only_then_the_rest(
    partner_api: APIClient, tenant_a: Any, tenant_b: Any, in_tenant: Any
) -> None:
    created = partner_api.post(
        "/api/v1/partner/templates/",
        {"name": "Standard controls", "document": STANDARD, "fields": FIELDS},
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/partner/templates/{created.json()['id']}/publish/"
    early = partner_api.post(url, {"version": 1, "stage": "all"}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "conflict"
    assert early.json()["detail"] == (
        'Publish v1 of "Standard controls" to a pilot tenant first; the other clients follow '
        "once the pilot has it."
    )
    pilot = partner_api.post(
        url, {"version": 1, "stage": "pilot", "tenants": ["tenanta"]}, format="json"
    )
    assert pilot.status_code == 200, pilot.content
    assert [(r["tenant"], r["stage"]) for r in pilot.json()] == [("tenanta", "pilot")]
    assert _bound(tenant_a, in_tenant) is not None and _bound(tenant_b, in_tenant) is None
    with in_tenant(tenant_b):
        assert policy_published().document["settings"]["budget_mode"] == "block"
    rest = partner_api.post(url, {"version": 1, "stage": "all"}, format="json")
    assert rest.status_code == 200, rest.content
    reached = {r["tenant"]: r["stage"] for r in rest.json()}
    assert reached.get("tenantb") == "all" and "tenanta" not in reached
    binding = _bound(tenant_b, in_tenant)
    assert binding is not None and binding.template_version == 1
    with in_tenant(tenant_b):
        assert policy_published().document["settings"]["budget_mode"] == "warn"
    listed = partner_api.get("/api/v1/partner/templates/").json()["results"][0]
    stages = {r["tenant"]: r["stage"] for r in listed["versions"][0]["rollouts"]}
    assert stages["tenanta"] == "pilot" and stages["tenantb"] == "all"


def _submitted(org: Org, api_for: Any, total: str) -> str:
    api = api_for(org.tenant, org.requester)
    draft = api.post("/api/v1/requisitions/", requisition_body(total=total), format="json").json()
    assert api.post(f"/api/v1/requisitions/{draft['id']}/submit/").status_code == 200
    return str(draft["id"])


def test_the_preview_runs_on_each_tenants_own_last_90_days(
    org: Org, api_for: Any, in_tenant: Any, tenant_b: Any
) -> None:
    would_change = _submitted(org, api_for, "1500.00")
    unchanged = {_submitted(org, api_for, total) for total in ("500.00", "30000.00")}
    too_old = _submitted(org, api_for, "2000.00")
    with in_tenant(org.tenant):
        Requisition.objects.filter(pk=too_old).update(
            submitted_at=timezone.now() - timedelta(days=91)
        )
    raised = copy.deepcopy(DEFAULT_POLICY)
    raised["rules"][0]["when"] = "amount <= 2500.0 && supplier.risk != 'high'"
    with public_context():
        template = template_create(
            actor=partner_user(), name="Raised limit", document=raised, fields={"rules": "locked"}
        )
        previews = {
            p["tenant"]: p
            for p in template_preview(version=version_of(template), clients=[org.tenant, tenant_b])
        }
    mine = previews["tenanta"]
    assert mine["requisitions"]["considered"] == 3
    assert [r["id"] for r in mine["requisitions"]["changed"]] == [would_change]
    assert would_change not in unchanged
    row = mine["requisitions"]["changed"][0]
    assert (row["before"]["rule"], row["after"]["rule"]) == (
        "cost-center-manager",
        "auto-approve-small",
    )
    assert [f["field"] for f in mine["fields"]] == ["rules"]
    # tenant_b's own history: nothing submitted, nothing would change
    assert previews["tenantb"]["requisitions"]["considered"] == 0
    assert previews["tenantb"]["requisitions"]["changed"] == []
    # the preview changed nothing
    assert _bound(org.tenant, in_tenant) is None


def test_the_preview_replays_recent_invoice_lines_under_the_new_tolerances(
    aporg: Any, in_tenant: Any, receive: Any, partner: Any
) -> None:
    from tests.invoices.conftest import invoice_body, make_order
    from tests.invoices.test_matching import receive_and_match

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Laptop stand", "10", "45.00")])
        receive(aporg, order, {1: "10"})
        # 1 % over: within the default 2 % / 50 price tolerance, outside half a per cent
        tighter = receive_and_match(aporg, invoice_body(order, number="INV-1", prices={1: "45.45"}))
        other = make_order(aporg, [("Monitor arm", "2", "100.00")])
        receive(aporg, other, {1: "2"})
        receive_and_match(aporg, invoice_body(other, number="INV-2"))  # exact: matches either way
    with public_context():
        template = template_create(
            actor=partner,
            name="Tight tolerances",
            document={"invoices": {"tolerances": {"price": {"percent": 0.5, "absolute": 50}}}},
            fields={"invoices.tolerances": "locked"},
        )
        (preview,) = template_preview(version=version_of(template), clients=[aporg.tenant])
    invoices = preview["invoices"]
    assert invoices["replayed"] is True and invoices["considered"] == 2
    assert [(i["number"], i["lines"]) for i in invoices["changed"]] == [
        (
            "INV-1",
            [
                {
                    "line_no": 1,
                    "check": "price",
                    "before": "within_tolerance",
                    "after": "price_variance",
                }
            ],
        )
    ]
    assert invoices["changed"][0]["id"] == str(tighter.pk)
    assert "header tolerance" in invoices["detail"]


def test_the_publish_page_shows_each_tenants_preview_before_the_confirm_button(
    template: Any, tenant_a: Any, in_tenant: Any
) -> None:
    console = signed_in("localhost", "operator@partner.test")
    url = f"/partner/templates/{template.pk}/publish/"
    page = console.get(url, {"version": 1, "stage": "pilot", "tenants": "tenanta"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="preview-tenanta"' in text and "Settings \u203a budget mode" in text
    assert text.index("preview-tenanta") < text.index('data-testid="confirm-publish"')
    assert _bound(tenant_a, in_tenant) is None  # the preview changes nothing
    early = console.get(url, {"version": 1, "stage": "all"})
    assert early.status_code == 409 and "confirm-publish" not in early.content.decode()
    done = console.post(url, {"version": 1, "stage": "pilot", "tenants": "tenanta"})
    assert done.status_code == 302 and _bound(tenant_a, in_tenant) is not None
    listing = console.get("/partner/templates/").content.decode()
    assert 'data-tenant="tenanta"' in listing and "No drift" in listing


def test_a_new_version_can_be_made_from_a_clients_published_policy(
    template: Any, partner_api: APIClient, tenant_a: Any
) -> None:
    response = partner_api.post(
        f"/api/v1/partner/templates/{template.pk}/versions/",
        {"from_tenant": "tenanta", "fields": {"sod": "locked"}, "note": "From the sandbox"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 2 and body["from_tenant"] == "tenanta"
    assert body["fields"] == {"sod": "locked"} and body["document"]["sod"] == DEFAULT_POLICY["sod"]


def test_bad_fields_are_refused_by_field(partner_api: APIClient) -> None:
    def create(document: Any, fields: Any) -> Any:
        return partner_api.post(
            "/api/v1/partner/templates/",
            {"name": "Broken", "document": document, "fields": fields},
            format="json",
        )

    unknown = create(STANDARD, {"settings.colour": "locked", "settings.budget_mode": "local"})
    assert unknown.status_code == 422
    assert list(unknown.json()["errors"]) == ["fields.settings.colour"]
    # neither locked nor local: the schema forbids it
    assert create(STANDARD, {"sod": "frozen"}).status_code == 400
    bad_doc = partner_api.post(
        "/api/v1/partner/templates/",
        {"name": "Broken", "document": {"settings": {"budget_mode": "maybe"}}, "fields": FIELDS},
        format="json",
    )
    assert bad_doc.status_code == 422
    assert list(bad_doc.json()["errors"]) == ["document.settings.budget_mode"]


def test_templates_are_the_partners_own(template: Any, tenant_a: Any) -> None:
    rival = _api("other@rival.test")
    assert rival.get(f"/api/v1/partner/templates/{template.pk}/").status_code == 404
    assert rival.get("/api/v1/partner/templates/").json()["count"] == 0
    with public_context():
        theirs = template_create(
            actor=partner_user("other@rival.test"),
            name="Rival controls",
            document=STANDARD,
            fields=FIELDS,
        )
    refused = rival.post(
        f"/api/v1/partner/templates/{theirs.pk}/publish/",
        {"version": 1, "stage": "pilot", "tenants": ["tenanta"]},
        format="json",
    )
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert rival.get("/api/v1/partner/drift/?tenant=tenanta").status_code == 404
    # support and billing may not write or publish templates
    for email in ("support@partner.test", "billing@partner.test"):
        api = _api(email)
        assert api.get("/api/v1/partner/templates/").status_code == 403
        assert (
            api.post(
                f"/api/v1/partner/templates/{template.pk}/publish/",
                {"version": 1, "stage": "pilot", "tenants": ["tenanta"]},
                format="json",
            ).status_code
            == 403
        )
    support = signed_in("localhost", "support@partner.test")
    assert support.get("/partner/templates/").status_code == 403


def test_the_drift_endpoint_reports_each_client(template: Any, partner_api: APIClient) -> None:
    partner_api.post(
        f"/api/v1/partner/templates/{template.pk}/publish/",
        {"version": 1, "stage": "pilot", "tenants": ["tenanta"]},
        format="json",
    )
    body = partner_api.get("/api/v1/partner/drift/").json()
    rows = {row["tenant"]: row for row in body["tenants"]}
    assert rows["tenanta"]["template"]["version"] == 1 and rows["tenanta"]["fields"] == []
    assert rows["tenantb"]["template"] is None
    one = partner_api.get("/api/v1/partner/drift/?tenant=tenantb").json()
    assert [row["tenant"] for row in one["tenants"]] == ["tenantb"]


def test_the_template_list_and_page_do_not_grow_with_templates(
    partner: Any, partner_api: APIClient
) -> None:
    def more(n: int, start: int) -> None:
        with public_context():
            for i in range(start, start + n):
                template_create(actor=partner, name=f"T{i}", document=STANDARD, fields=FIELDS)

    console = signed_in("localhost", "partner@partner.test")
    more(1, 0)
    api_few = count_queries(lambda: partner_api.get("/api/v1/partner/templates/"))
    page_few = count_queries(lambda: console.get("/partner/templates/"))
    more(3, 1)
    assert count_queries(lambda: partner_api.get("/api/v1/partner/templates/")) == api_few
    assert count_queries(lambda: console.get("/partner/templates/")) == page_few
