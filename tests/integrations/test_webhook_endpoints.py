"""Tenant admins manage webhook endpoints over the API: the secret shown once and never
again, URLs that could reach this network refused, rotation keeping the old secret signing
for 24 hours, every change audited, nothing seen across tenants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.integrations.models import WebhookEndpoint
from apps.integrations.webhooks.signing import secrets_in_use
from tests.org import Org

pytestmark = pytest.mark.django_db
BASE = "/api/v1/webhook-endpoints/"
PUBLIC = "https://93.184.216.34/hooks/spendgate"  # a public address: no DNS needed


def _create(api: Any, **body: Any) -> Any:
    return api.post(BASE, {"url": PUBLIC, **body}, format="json")


def test_the_secret_is_shown_once_and_the_change_audited(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    admin = api_for(org.tenant, org.admin)
    created = _create(
        admin, event_types=["requisition.submitted"], description="ERP bridge", format="standard"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(secret) >= 30
    assert body["enabled"] is True and body["event_types"] == ["requisition.submitted"]
    listed = admin.get(BASE).json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    assert secret not in admin.get(f"{BASE}{body['id']}/").content.decode()
    with in_tenant(org.tenant):
        event = AuditEvent.objects.get(action="webhook_endpoint.created")
        assert event.actor == org.admin.email and event.after["url"] == PUBLIC
        assert secret not in str(event.after) + str(event.data)
        stored = WebhookEndpoint.objects.get(pk=body["id"])
        assert secret not in stored.secret_encrypted  # encrypted at rest
        assert secrets_in_use(stored) == [secret]


def test_what_cannot_be_saved_is_refused_in_words(org: Org, api_for: Any) -> None:
    admin = api_for(org.tenant, org.admin)
    unsafe = admin.post(BASE, {"url": "http://169.254.169.254/latest/"}, format="json")
    assert unsafe.status_code == 400 and unsafe.json()["code"] == "unsafe_url"
    assert "169.254.169.254" in unsafe.json()["detail"]
    for hidden in (
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:a00:1::]/",
        "http://[::10.0.0.1]/",
    ):
        embedded = admin.post(BASE, {"url": hidden}, format="json")
        assert embedded.status_code == 400 and embedded.json()["code"] == "unsafe_url", hidden
    named = admin.post(BASE, {"url": "http://localhost:9000/hook"}, format="json")
    assert named.status_code == 400 and named.json()["code"] == "unsafe_url"
    unknown = _create(admin, event_types=["requisition.submitted", "invoice.teleported"])
    assert unknown.status_code == 422 and unknown.json()["errors"] == {
        "event_types": ["Not in the event catalogue (docs/events.md): invoice.teleported."]
    }
    bad_format = _create(admin, format="carrier-pigeon")
    assert bad_format.status_code == 400 and "format" in bad_format.json()["errors"]
    assert admin.get(BASE).json()["count"] == 0


def test_only_tenant_admins_manage_endpoints(org: Org, api_for: Any) -> None:
    for person in (org.buyer, org.finance, org.requester):
        api = api_for(org.tenant, person)
        assert api.get(BASE).status_code == 403
        refused = _create(api)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_change_disable_enable_and_remove(org: Org, api_for: Any, in_tenant: Any) -> None:
    admin = api_for(org.tenant, org.admin)
    endpoint = _create(admin).json()
    url = f"{BASE}{endpoint['id']}/"
    with in_tenant(org.tenant):
        WebhookEndpoint.objects.filter(pk=endpoint["id"]).update(
            enabled=False, disabled_reason="410 Gone", failing_since=timezone.now()
        )
    changed = admin.patch(url, {"event_types": ["invoice.approved"]}, format="json").json()
    assert changed["event_types"] == ["invoice.approved"] and changed["enabled"] is False
    enabled = admin.patch(url, {"enabled": True}, format="json").json()
    assert enabled["enabled"] is True and enabled["disabled_reason"] == ""
    assert enabled["failing_since"] is None
    moved = admin.patch(url, {"url": "http://10.0.0.8/hook"}, format="json")
    assert moved.status_code == 400 and moved.json()["code"] == "unsafe_url"
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404 and admin.delete(url).status_code == 404
    with in_tenant(org.tenant):
        actions = list(
            AuditEvent.objects.filter(subject_id=endpoint["id"])
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == [
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.updated",
        "webhook_endpoint.deleted",
    ]


def test_rotation_keeps_the_old_secret_signing_for_24_hours(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    admin = api_for(org.tenant, org.admin)
    created = _create(admin).json()
    rotated = admin.post(f"{BASE}{created['id']}/rotate-secret/")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != created["secret"]
    with in_tenant(org.tenant):
        endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    now = timezone.now()
    assert secrets_in_use(endpoint, now=now) == [new, created["secret"]]
    later = now + timedelta(hours=24, minutes=1)
    assert secrets_in_use(endpoint, now=later) == [new]


def test_one_tenant_never_sees_anothers_endpoints(
    org: Org, api_for: Any, tenant_b: Any, make_user: Any
) -> None:
    created = _create(api_for(org.tenant, org.admin)).json()
    other = api_for(tenant_b, make_user(tenant_b, "hooks-admin", ["tenant_admin"]))
    assert other.get(BASE).json()["count"] == 0
    assert other.get(f"{BASE}{created['id']}/").status_code == 404
    assert other.post(f"{BASE}{created['id']}/rotate-secret/").status_code == 404
