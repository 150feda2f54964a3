"""Service accounts (CONTRACT §3 `service-accounts/`): least privilege for integrations. A key
reaches only what its scopes open and only its legal entities; an expired, revoked or
rotated-out key is refused; a key never opens a page; every call is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from apps.audit.models import AuditEvent
from apps.integrations.models import ServiceAccount
from tests.conftest import host_of
from tests.integrations.conftest import approved_invoice

pytestmark = pytest.mark.django_db


def _keyed(tenant: Any, key: str) -> APIClient:
    client = APIClient(HTTP_HOST=host_of(tenant))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _create(admin: Any, **body: Any) -> dict[str, Any]:
    made = admin.post("/api/v1/service-accounts/", {"name": "ERP sync", **body}, format="json")
    assert made.status_code == 201, made.content
    return made.json()


def test_a_key_reaches_only_its_scopes_and_legal_entities(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(aporg.tenant):
        german = approved_invoice(aporg, receive, "SA-1")
        american = approved_invoice(aporg, receive, "SA-2", entity="US01", quantity="9")
    admin = api_for(aporg.tenant, aporg.org.admin)
    made = _create(admin, scopes=["invoices:export", "invoices:read"], legal_entities=["DE01"])
    assert made["key"].startswith("spk_") and made["key_prefix"] == made["key"][:10]
    listed = admin.get("/api/v1/service-accounts/").json()["results"]
    assert "key" not in listed[0] and listed[0]["scopes"] == ["invoices:export", "invoices:read"]
    with in_tenant(aporg.tenant):
        stored = ServiceAccount.objects.get(pk=made["id"])
        assert made["key"] not in (stored.key_digest, stored.key_prefix)
    erp = _keyed(aporg.tenant, made["key"])

    exported = erp.get("/api/v1/invoices/export/")
    assert exported.status_code == 200
    assert [row["number"] for row in exported.json()["results"]] == ["SA-1"]
    assert erp.get("/api/v1/invoices/").json()["count"] == 1
    assert erp.get(f"/api/v1/invoices/{german.pk}/").status_code == 200
    # another entity's invoice does not exist for the key (tests/integrations/
    # test_entity_limits.py covers every resource)
    outside = erp.get(f"/api/v1/invoices/{american.pk}/")
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    other_entity = erp.get("/api/v1/invoices/export/?legal_entity=US01")
    assert other_entity.status_code == 200 and other_entity.json()["count"] == 0
    assert erp.get("/api/v1/invoices/export/?legal_entity=de01").status_code == 200
    for method, path in (
        ("post", "/api/v1/invoices/"),
        ("get", "/api/v1/suppliers/"),
        ("get", "/api/v1/audit-events/"),
        ("post", "/api/v1/service-accounts/"),
        ("get", "/api/v1/tasks/"),
        ("post", f"/api/v1/invoices/{german.pk}/rematch/"),
    ):
        refused = getattr(erp, method)(path, {}, format="json")
        assert refused.status_code == 403, (path, refused.content)
        assert refused.json()["code"] == "permission_denied"

    # an account for every entity sees both
    wide = _keyed(aporg.tenant, _create(admin, scopes=["invoices:export"])["key"])
    assert wide.get("/api/v1/invoices/export/").json()["count"] == 2
    with in_tenant(aporg.tenant):
        calls = AuditEvent.objects.filter(action="service_account.called", subject_id=made["id"])
        assert calls.count() >= 10
        assert calls.filter(data__status=403).exists()
        assert calls.first().actor.endswith("@service-accounts.invalid")


def test_expired_revoked_and_rotated_out_keys_are_refused(
    aporg: Any, in_tenant: Any, api_for: Any
) -> None:
    admin = api_for(aporg.tenant, aporg.org.admin)
    made = _create(admin, scopes=["reference:read"])
    key = made["key"]
    assert _keyed(aporg.tenant, key).get("/api/v1/legal-entities/").status_code == 200
    unknown = _keyed(aporg.tenant, "spk_" + "x" * 43).get("/api/v1/legal-entities/")
    assert unknown.status_code == 401 and unknown.json()["code"] == "authentication_failed"

    rotated = admin.post(f"/api/v1/service-accounts/{made['id']}/rotate/", {}, format="json")
    new_key = rotated.json()["key"]
    assert new_key != key
    for works in (key, new_key):  # during the overlap both work
        assert _keyed(aporg.tenant, works).get("/api/v1/legal-entities/").status_code == 200
    with in_tenant(aporg.tenant):
        ServiceAccount.objects.filter(pk=made["id"]).update(
            previous_key_until=timezone.now() - timedelta(seconds=1)
        )
    assert _keyed(aporg.tenant, key).get("/api/v1/legal-entities/").status_code == 401
    now_only = admin.post(
        f"/api/v1/service-accounts/{made['id']}/rotate/", {"overlap_hours": 0}, format="json"
    ).json()["key"]
    assert _keyed(aporg.tenant, new_key).get("/api/v1/legal-entities/").status_code == 401
    assert _keyed(aporg.tenant, now_only).get("/api/v1/legal-entities/").status_code == 200

    assert admin.post(f"/api/v1/service-accounts/{made['id']}/revoke/").status_code == 200
    revoked = _keyed(aporg.tenant, now_only).get("/api/v1/legal-entities/")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]

    expiring = _create(admin, scopes=["reference:read"], expires_at="2099-01-01T00:00:00Z")
    with in_tenant(aporg.tenant):
        ServiceAccount.objects.filter(pk=expiring["id"]).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    expired = _keyed(aporg.tenant, expiring["key"]).get("/api/v1/legal-entities/")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    past = admin.post(
        "/api/v1/service-accounts/",
        {"name": "late", "scopes": ["reference:read"], "expires_at": "2020-01-01T00:00:00Z"},
        format="json",
    )
    assert past.status_code == 422 and "expires_at" in past.json()["errors"]
    with in_tenant(aporg.tenant):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"service_account.created", "service_account.key_rotated"} <= actions
    assert "service_account.revoked" in actions


def test_a_key_never_opens_a_page_nor_signs_in(
    aporg: Any, in_tenant: Any, api_for: Any, tenant_b: Any
) -> None:
    admin = api_for(aporg.tenant, aporg.org.admin)
    made = _create(admin, scopes=["invoices:read", "reference:read"])
    from django.test import Client

    browser = Client(HTTP_HOST=host_of(aporg.tenant), HTTP_AUTHORIZATION=f"Token {made['key']}")
    page = browser.get("/invoices/")
    assert page.status_code == 302 and "/login/" in page["Location"]
    with in_tenant(aporg.tenant):
        email = ServiceAccount.objects.get(pk=made["id"]).user.email
    signed_in = browser.post("/login/", {"username": email, "password": made["key"]})
    assert signed_in.status_code == 200 and "_auth_user_id" not in browser.session
    token = api_for(aporg.tenant).post(
        "/api/v1/auth/token/", {"username": email, "password": made["key"]}, format="json"
    )
    assert token.status_code in (400, 401)
    # a key of one tenant is unknown to another
    assert _keyed(tenant_b, made["key"]).get("/api/v1/legal-entities/").status_code == 401
    # not listed among people
    users = admin.get("/api/v1/users/").json()
    emails = {u["email"] for u in users.get("results", users)}
    assert email not in emails


def test_only_tenant_admins_manage_service_accounts(aporg: Any, api_for: Any) -> None:
    for person in (aporg.clerk, aporg.apmanager, aporg.org.requester):
        refused = api_for(aporg.tenant, person).post(
            "/api/v1/service-accounts/", {"name": "x", "scopes": ["reference:read"]}, format="json"
        )
        assert refused.status_code == 403
    bad = api_for(aporg.tenant, aporg.org.admin).post(
        "/api/v1/service-accounts/",
        {"name": "x", "scopes": ["everything"], "legal_entities": ["XX99"]},
        format="json",
    )
    assert bad.status_code == 400 and "scopes" in bad.json()["errors"]


def test_a_mail_service_key_posts_raw_mail_and_a_bank_key_posts_statements(
    aporg: Any, api_for: Any
) -> None:
    """`invoices:write` takes raw MIME at `invoices/mail/`; `payments:write` takes camt files;
    neither opens the other's door."""
    admin = api_for(aporg.tenant, aporg.org.admin)
    mail_key = _keyed(aporg.tenant, _create(admin, scopes=["invoices:write"])["key"])
    bank_key = _keyed(aporg.tenant, _create(admin, scopes=["payments:write"])["key"])
    raw = (
        b"From: someone@example.org\r\nTo: invoices@x\r\nMessage-ID: <k-1@example.org>\r\n"
        b"Subject: hello\r\n\r\nno attachment"
    )
    posted = mail_key.generic("POST", "/api/v1/invoices/mail/", raw, content_type="message/rfc822")
    assert posted.status_code == 201, posted.content
    # no envelope and no DKIM signature: the sender is not verified, so it waits unfiled
    assert (posted.json()["status"], posted.json()["reason"]) == (
        "quarantined",
        "unverified_sender",
    )
    refused = bank_key.generic("POST", "/api/v1/invoices/mail/", raw, content_type="message/rfc822")
    assert refused.status_code == 403
    garbage = bank_key.post(
        "/api/v1/payments/statements/",
        {"file": SimpleUploadedFile("camt.xml", b"<Document/>")},
        format="multipart",
    )
    assert garbage.status_code == 422 and garbage.json()["code"] == "invalid_document"
    assert mail_key.get("/api/v1/payments/statements/").status_code == 403
