"""The partner's walk through its pages (as in `make demo`: Northwind publishes a template to
Globex as the pilot, then to Acme, and sees Acme's drift), here with tenant_b as the pilot and
tenant_a as the rest."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from apps.partners.models import PolicyTemplate
from apps.policies.models import PolicyVersion
from apps.policies.selectors import policy_published
from apps.tenancy.context import public_context
from tests.conftest import count_queries

from .conftest import FIELDS, STANDARD, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]


def test_pilot_then_the_rest_then_the_drift_of_a_client(
    tenant_a: Any, tenant_b: Any, make_user: Any, in_tenant: Any
) -> None:
    console = signed_in("localhost", "operator@partner.test")
    written = console.post(
        "/partner/templates/",
        {
            "name": "Standard controls",
            "document": json.dumps(STANDARD),
            "fields": json.dumps(FIELDS),
        },
    )
    assert written.status_code == 302
    with public_context():
        template = PolicyTemplate.objects.get(name="Standard controls")
    publish = f"/partner/templates/{template.pk}/publish/"
    assert (
        console.post(publish, {"version": 1, "stage": "pilot", "tenants": "tenantb"}).status_code
        == 302
    )
    page = console.get(f"/partner/templates/{template.pk}/").content.decode()
    assert 'data-rollout="tenantb"' in page and 'data-rollout="tenanta"' not in page
    preview = console.get(publish, {"version": 1, "stage": "all"}).content.decode()
    assert 'data-testid="preview-tenanta"' in preview and "preview-tenantb" not in preview
    assert console.post(publish, {"version": 1, "stage": "all"}).status_code == 302
    # the client's admin changes the local field on their policy page
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    tenant = signed_in("a.localhost", admin.email)
    with in_tenant(tenant_a):
        current = policy_published()
    tenant.post("/settings/policies/new/", {"from": current.number})
    with in_tenant(tenant_a):
        draft = PolicyVersion.objects.get(status="draft")
    document = {
        **draft.document,
        "settings": {**draft.document["settings"], "default_sla_hours": 8},
    }
    saved = tenant.post(
        f"/settings/policies/{draft.number}/", {"document": json.dumps(document), "publish": "1"}
    )
    assert saved.status_code == 302
    # a locked field is refused on the page with the template named
    with in_tenant(tenant_a):
        again = PolicyVersion.objects.create(number=draft.number + 1, document=document)
    locked = {**document, "settings": {**document["settings"], "budget_mode": "block"}}
    refused = tenant.post(f"/settings/policies/{again.number}/", {"document": json.dumps(locked)})
    assert "budget mode is locked by the template" in refused.content.decode()
    drift = console.get("/partner/templates/?tenant=tenanta").content.decode()
    rows = re.findall(r'<tr data-tenant="tenanta" data-field="([^"]+)"', drift)
    assert rows == ["settings.default_sla_hours"]
    assert admin.email in drift and "Local change" in drift


def test_the_drift_report_does_not_grow_with_policy_versions(
    template: Any, partner_api: Any, make_user: Any, in_tenant: Any, tenant_a: Any
) -> None:
    from apps.policies import services as policies

    partner_api.post(
        f"/api/v1/partner/templates/{template.pk}/publish/",
        {"version": 1, "stage": "pilot", "tenants": ["tenanta"]},
        format="json",
    )
    admin = make_user(tenant_a, "admin", ["tenant_admin"])

    def republish(hours: int) -> None:
        with in_tenant(tenant_a):
            document = policy_published().document
            document["settings"]["default_sla_hours"] = hours
            policies.policy_publish(
                actor=admin, version=policies.policy_draft_create(actor=admin, document=document)
            )

    republish(8)
    few = count_queries(lambda: partner_api.get("/api/v1/partner/drift/?tenant=tenanta"))
    for hours in (9, 10, 11):
        republish(hours)
    assert count_queries(lambda: partner_api.get("/api/v1/partner/drift/?tenant=tenanta")) == few
