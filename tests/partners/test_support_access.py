"""Support access: a partner support person asks, the tenant's admins approve or refuse (told
by e-mail and a home notice), the access opens the portal read-only for its hours, and every
request made under it is in the tenant's trail under the partner person's name with the
grant's id."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from apps.audit.models import AuditEvent
from tests.conftest import count_queries

from .conftest import ask, enter, signed_in_page, ticket_url

pytestmark = pytest.mark.django_db


def test_the_request_tells_the_tenant_admins_by_mail_and_home_notice(
    tenant_a: Any,
    in_tenant: Any,
    admin_a: Any,
    support_api: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from apps.workflow.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(support_api)
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["status"] == "pending" and body["scope"] == "read" and body["tenant"] == "tenanta"
    assert body["partner_user"] == "support@partner.test"
    assert body["partner_user_name"] == "Support Partner"
    assert any(admin_a.email in m.to for m in mail.outbox)
    with in_tenant(tenant_a):
        notice = Notification.objects.get(user=admin_a, kind="support_access.requested")
        assert "Invoices stuck in matching" in notice.message
        assert AuditEvent.objects.filter(
            action="support_access.requested", subject_id=str(body["id"])
        ).exists()
    admin = signed_in_page(admin_a.email, "a.localhost")
    assert "/settings/support-access/" in admin.get("/").content.decode()
    # the notice leaves once the request is decided
    admin.post("/settings/support-access/", {"grant": body["id"], "action": "refuse"})
    assert "/settings/support-access/" not in admin.get("/").content.decode()


def test_the_admin_approves_on_the_page_and_the_support_person_reads_exceptions_audited(
    tenant_a: Any, in_tenant: Any, admin_a: Any, support_api: Any
) -> None:
    grant_id = ask(support_api).json()["id"]
    admin = signed_in_page(admin_a.email, "a.localhost")
    listed = admin.get("/settings/support-access/")
    assert listed.status_code == 200 and "Invoices stuck in matching" in listed.content.decode()
    approved = admin.post("/settings/support-access/", {"grant": grant_id, "action": "approve"})
    assert approved.status_code == 302
    mine = support_api.get("/api/v1/partner/access-requests/").json()["results"]
    assert mine[0]["status"] == "active" and mine[0]["expires_at"]

    console = signed_in_page("support@partner.test")
    assert "/partner/support/" in console.get("/partner/").content.decode()
    assert "Open Tenant A" in console.get("/partner/support/").content.decode()
    page, entered = enter(ticket_url(console, grant_id))
    assert entered.status_code == 302
    assert page.get("/exceptions/").status_code == 200
    assert page.get("/api/v1/exceptions/").status_code == 200
    with in_tenant(tenant_a):
        calls = list(AuditEvent.objects.filter(action="support.request", subject_id=str(grant_id)))
    assert {(c.data["method"], c.data["path"]) for c in calls} >= {
        ("GET", "/exceptions/"),
        ("GET", "/api/v1/exceptions/"),
    }
    assert all(c.data["grant"] == grant_id for c in calls)
    assert all(c.actor == f"support+grant{grant_id}@partner.test" for c in calls)
    trail = admin.get("/audit/?subject_type=access_grant&subject_id=" + str(grant_id))
    assert f"support+grant{grant_id}@partner.test" in trail.content.decode()


def test_every_request_under_a_grant_is_in_the_tenant_trail(
    tenant_a: Any, in_tenant: Any, inside: Any
) -> None:
    page, grant = inside()
    paths = ["/", "/invoices/", "/suppliers/", "/audit/", "/api/v1/invoices/", "/nowhere/"]
    for path in paths:
        page.get(path)
    with in_tenant(tenant_a):
        seen = [
            (e.data["path"], e.data["status"])
            for e in AuditEvent.objects.filter(
                action="support.request", subject_id=str(grant["id"])
            ).order_by("id")
        ]
    assert [path for path, _status in seen] == paths
    assert [status for _path, status in seen] == [200, 200, 200, 200, 200, 404]


def test_the_admin_refuses_and_nothing_opens(
    tenant_a: Any, admin_api_a: Any, support_api: Any
) -> None:
    grant_id = ask(support_api).json()["id"]
    refused = admin_api_a.post(
        f"/api/v1/access-grants/{grant_id}/refuse/", {"note": "Not today"}, format="json"
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    again = admin_api_a.post(f"/api/v1/access-grants/{grant_id}/approve/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    console = signed_in_page("support@partner.test")
    response = console.post(f"/partner/support/{grant_id}/open/")
    assert response["Location"].endswith("/partner/support/")


def test_a_pre_approved_emergency_read_request_opens_at_once_and_tells_the_admins(
    tenant_a: Any, in_tenant: Any, admin_a: Any, support_api: Any
) -> None:
    from apps.workflow.models import Notification

    admin = signed_in_page(admin_a.email, "a.localhost")
    not_yet = ask(support_api, emergency=True)
    assert not_yet.json()["status"] == "pending"
    saved = admin.post(
        "/settings/support-access/", {"action": "setting", "emergency_read_preapproved": "on"}
    )
    assert saved.status_code == 302
    opened = ask(support_api, emergency=True)
    assert opened.status_code == 201 and opened.json()["status"] == "active"
    with in_tenant(tenant_a):
        assert Notification.objects.filter(user=admin_a, kind="support_access.opened").exists()
    # an emergency is read only; a write capability waits for a decision
    write = ask(support_api, emergency=True, scope="process_invoices")
    assert write.status_code == 422 and "scope" in write.json()["errors"]


def test_the_request_is_checked(support_api: Any, tenant_a: Any) -> None:
    blank = ask(support_api, reason="  ")
    assert blank.status_code == 422 and "reason" in blank.json()["errors"]
    too_long = ask(support_api, hours=9)
    assert too_long.status_code == 400
    unknown_scope = ask(support_api, scope="manage_users")
    assert unknown_scope.status_code == 400


def test_the_tenant_admin_sees_and_revokes_active_grants_on_the_page(
    tenant_a: Any, admin_a: Any, inside: Any
) -> None:
    page, grant = inside()
    admin = signed_in_page(admin_a.email, "a.localhost")
    listed = admin.get("/settings/support-access/").content.decode()
    assert f'data-grant="{grant["id"]}"' in listed and "Revoke" in listed
    asked = admin.post("/settings/support-access/", {"grant": grant["id"], "action": "revoke"})
    assert asked.status_code == 200  # the confirmation step first; nothing changed yet
    assert page.get("/exceptions/").status_code == 200
    done = admin.post(
        "/settings/support-access/",
        {"grant": grant["id"], "action": "revoke", "confirmation": "given"},
    )
    assert done.status_code == 302
    assert page.get("/exceptions/")["Location"].startswith("/login/")


def test_only_tenant_admins_decide(
    tenant_a: Any, make_user: Any, api_for: Any, support_api: Any, admin_a: Any
) -> None:
    grant_id = ask(support_api).json()["id"]
    clerk = make_user(tenant_a, "clerk", ["ap_clerk"])
    api = api_for(tenant_a, clerk)
    assert api.get("/api/v1/access-grants/").status_code == 403
    assert api.post(f"/api/v1/access-grants/{grant_id}/approve/").status_code == 403
    page = signed_in_page(clerk.email, "a.localhost")
    assert page.get("/settings/support-access/").status_code == 403
    # auditors read who had access; they decide nothing
    auditor = api_for(tenant_a, make_user(tenant_a, "auditor", ["auditor"]))
    assert auditor.get("/api/v1/access-grants/").json()["count"] == 1
    assert auditor.post(f"/api/v1/access-grants/{grant_id}/approve/").status_code == 403


def test_another_tenant_admin_does_not_see_the_grant(
    tenant_b: Any, make_user: Any, api_for: Any, support_api: Any
) -> None:
    grant_id = ask(support_api).json()["id"]
    other = api_for(tenant_b, make_user(tenant_b, "admin", ["tenant_admin"]))
    assert other.get("/api/v1/access-grants/").json()["count"] == 0
    assert other.get(f"/api/v1/access-grants/{grant_id}/").status_code == 404
    assert other.post(f"/api/v1/access-grants/{grant_id}/approve/").status_code == 404
    assert other.get("/api/v1/access-grants/99999999999999999999/").status_code == 404


def test_the_lists_keep_their_query_count(
    tenant_a: Any, admin_api_a: Any, support_api: Any, admin_a: Any
) -> None:
    ask(support_api)
    admin = signed_in_page(admin_a.email, "a.localhost")
    console = signed_in_page("support@partner.test")
    calls = {
        "api": lambda: admin_api_a.get("/api/v1/access-grants/"),
        "partner api": lambda: support_api.get("/api/v1/partner/access-requests/"),
        "page": lambda: admin.get("/settings/support-access/"),
        "console": lambda: console.get("/partner/support/"),
    }
    before = {name: count_queries(call) for name, call in calls.items()}
    for _ in range(4):
        ask(support_api)
    after = {name: count_queries(call) for name, call in calls.items()}
    assert after == before
