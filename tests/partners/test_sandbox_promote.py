"""A policy change tried in a sandbox reaches its production tenant through the template
mechanism: only the fields changed in the sandbox travel, as a new version of the template the
production tenant follows, previewed on the production tenant and then published there."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.partners.sandbox.services import sandbox_create
from apps.partners.sandbox.standins import standin_email
from apps.policies.selectors import policy_published
from apps.policies.services import policy_draft_create, policy_publish
from apps.tenancy.context import public_context

from .conftest import FIELDS, STANDARD, partner_user, signed_in_api

WIDER = {"percent": 5, "absolute": 200, "combine": "and"}


def _tried(sandbox: Any, in_tenant: Any, change: Any) -> None:
    """The sandbox's admin (a system actor here) publishes a changed policy in the sandbox."""
    with in_tenant(sandbox):
        document = copy.deepcopy(policy_published().document)
        change(document)
        draft = policy_draft_create(actor="partner:trial", document=document)
        policy_publish(actor="partner:trial", version=draft)


def _following(partner_api: APIClient) -> int:
    created = partner_api.post(
        "/api/v1/partner/templates/",
        {"name": "Standard controls", "document": STANDARD, "fields": FIELDS},
        format="json",
    )
    assert created.status_code == 201, created.content
    template = created.json()["id"]
    published = partner_api.post(
        f"/api/v1/partner/templates/{template}/publish/",
        {"version": 1, "stage": "pilot", "tenants": ["tenanta"]},
        format="json",
    )
    assert published.status_code == 200, published.content
    return int(template)


def test_a_tolerance_tried_in_the_sandbox_is_promoted_with_the_preview(
    partner_api: APIClient, tenant_a: Any, in_tenant: Any
) -> None:
    template = _following(partner_api)
    with public_context():
        sandbox = sandbox_create(actor=partner_user(), from_client=tenant_a).client
    promote = f"/api/v1/partner/sandboxes/{sandbox.slug}/promote/"
    unchanged = partner_api.post(promote, {}, format="json")
    assert unchanged.status_code == 409, unchanged.content
    assert "has changed since it was made" in unchanged.json()["detail"]

    def wider_price(document: dict[str, Any]) -> None:
        document["invoices"]["tolerances"]["price"] = WIDER

    _tried(sandbox, in_tenant, wider_price)
    promoted = partner_api.post(promote, {}, format="json")
    assert promoted.status_code == 201, promoted.content
    body = promoted.json()
    assert (body["template"], body["version"], body["production"]) == (template, 2, "tenanta")
    assert [f["field"] for f in body["pushed"]] == ["invoices.tolerances"]
    assert body["left_local"] == []
    [preview] = body["preview"]
    changed = {f["field"]: f for f in preview["fields"]}
    assert set(changed) == {"invoices.tolerances"}
    assert changed["invoices.tolerances"]["after"]["price"] == WIDER
    with in_tenant(tenant_a):  # nothing published yet
        assert policy_published().document["invoices"]["tolerances"]["price"] != WIDER

    published = partner_api.post(
        f"/api/v1/partner/templates/{template}/publish/",
        {"version": 2, "stage": "pilot", "tenants": ["tenanta"]},
        format="json",
    )
    assert published.status_code == 200, published.content
    with in_tenant(tenant_a):
        document = policy_published().document
        assert document["invoices"]["tolerances"]["price"] == WIDER
        assert document["settings"]["budget_mode"] == "warn"  # the template's lock still holds
        # the production tenant's people never became stand-ins
        assert not User.objects.filter(email__endswith=".sandbox.test").exists()


def test_a_change_naming_stand_ins_cannot_travel_and_others_are_refused(
    partner_api: APIClient, tenant_a: Any, in_tenant: Any
) -> None:
    _following(partner_api)
    with public_context():
        sandbox = sandbox_create(actor=partner_user(), from_client=tenant_a).client
    stand_in = standin_email("approver", sandbox.slug)

    def route_to_stand_in(document: dict[str, Any]) -> None:
        document["rules"] = [
            {
                "id": "all",
                "name": "Everything",
                "when": "true",
                "steps": [{"approver": {"type": "user", "email": stand_in}}],
            }
        ]

    _tried(sandbox, in_tenant, route_to_stand_in)
    promote = f"/api/v1/partner/sandboxes/{sandbox.slug}/promote/"
    naming = partner_api.post(promote, {}, format="json")
    assert naming.status_code == 422, naming.content
    assert "names stand-in people" in naming.json()["detail"]
    # support may not promote; a rival partner finds no such sandbox; a production tenant is none
    assert signed_in_api("support@partner.test").post(promote, {}, format="json").status_code == 403
    assert signed_in_api("other@rival.test").post(promote, {}, format="json").status_code == 404
    not_one = partner_api.post("/api/v1/partner/sandboxes/tenanta/promote/", {}, format="json")
    assert not_one.status_code == 404, not_one.content


def test_the_console_promotes_from_the_sandbox_page_to_the_publish_preview(
    partner_api: APIClient, tenant_a: Any, in_tenant: Any
) -> None:
    from tests.conftest import partner_signed_in

    template = _following(partner_api)
    with public_context():
        sandbox = sandbox_create(actor=partner_user(), from_client=tenant_a).client

    def wider_price(document: dict[str, Any]) -> None:
        document["invoices"]["tolerances"]["price"] = WIDER

    _tried(sandbox, in_tenant, wider_price)
    console = partner_signed_in("operator@partner.test")
    page = console.get(f"/partner/tenants/{sandbox.slug}/").content.decode()
    assert 'data-testid="promote-link"' in page
    form = console.get(f"/partner/tenants/{sandbox.slug}/promote/")
    assert form.status_code == 200 and 'data-testid="promote-form"' in form.content.decode()
    made = console.post(f"/partner/tenants/{sandbox.slug}/promote/", {"template": ""})
    assert made.status_code == 302, made.content[:300]
    assert made["Location"] == (
        f"/partner/templates/{template}/publish/?version=2&tenants=tenanta&stage=pilot"
    )
    preview = console.get(made["Location"]).content.decode()
    assert "Invoice matching \u203a tolerances" in preview
    # support opens neither the page nor the promotion
    support = partner_signed_in("support@partner.test")
    assert support.get(f"/partner/tenants/{sandbox.slug}/promote/").status_code == 403
