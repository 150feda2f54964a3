"""No other path lets a partner person read a tenant's rows: only a live grant's one-time
hand-off signs in its stand-in, and only while the grant holds; writes are refused under a
read grant; the stand-in is nobody outside such a session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client as PageClient
from django.utils import timezone

from apps.audit.models import AuditEvent
from tests.conftest import PASSWORD

from .conftest import ask, enter, signed_in_api, signed_in_page, ticket_url

pytestmark = pytest.mark.django_db


def _grant(grant_id: Any) -> Any:
    from apps.partners.models import AccessGrant

    return AccessGrant.objects.get(pk=grant_id)


def test_no_grant_no_read(tenant_a: Any, support_api: Any) -> None:
    # the partner person's own password does not open the tenant's portal or its API
    page = PageClient(HTTP_HOST="a.localhost")
    signed = page.post("/login/", {"username": "support@partner.test", "password": PASSWORD})
    assert signed.status_code == 200  # the form again
    assert page.get("/exceptions/")["Location"].startswith("/login/")
    token = PageClient(HTTP_HOST="a.localhost").post(
        "/api/v1/auth/token/", {"username": "support@partner.test", "password": PASSWORD}
    )
    assert token.status_code in (400, 401)
    # a public-host token is unknown on the tenant's host
    api = signed_in_api("support@partner.test")
    api.defaults["HTTP_HOST"] = "a.localhost"
    assert api.get("/api/v1/exceptions/").status_code == 401
    # the partner API answers aggregates only: nothing under it names a tenant's rows
    assert support_api.get("/api/v1/partner/tenants/tenanta/").status_code == 200
    assert support_api.get("/api/v1/exceptions/").status_code == 404
    # a request still waiting opens nothing
    waiting = ask(support_api).json()["id"]
    console = signed_in_page("support@partner.test")
    assert console.post(f"/partner/support/{waiting}/open/")["Location"].endswith(
        "/partner/support/"
    )


def test_an_expired_grant_gives_no_read(tenant_a: Any, in_tenant: Any, inside: Any) -> None:
    from apps.accounts.models import User

    page, grant = inside()
    shown = page.get("/exceptions/")
    assert shown.status_code == 200
    assert "Support access of Support Partner (Test Partners): read only" in shown.content.decode()
    from apps.partners.models import AccessGrant

    AccessGrant.objects.filter(pk=grant["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    ended = page.get("/exceptions/")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/")
    assert page.get("/api/v1/exceptions/").status_code in (401, 403)
    assert _grant(grant["id"]).status == "expired"  # written by the gate that found it
    with in_tenant(tenant_a):
        standin = User.objects.get(pk=_grant(grant["id"]).standin_user_id)
        assert not standin.is_active and not standin.has_usable_password()
        assert AuditEvent.objects.filter(
            action="support_access.expired", subject_id=str(grant["id"])
        ).exists()
    console = signed_in_page("support@partner.test")
    assert console.post(f"/partner/support/{grant['id']}/open/")["Location"].endswith(
        "/partner/support/"
    )


def test_an_active_grant_past_its_end_counts_as_expired_everywhere(
    tenant_a: Any, granted: Any, admin_api_a: Any, support_api: Any
) -> None:
    from apps.partners.models import AccessGrant

    grant = granted()
    AccessGrant.objects.filter(pk=grant["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert admin_api_a.get(f"/api/v1/access-grants/{grant['id']}/").json()["status"] == "expired"
    assert (
        support_api.get("/api/v1/partner/access-requests/").json()["results"][0]["status"]
        == "expired"
    )
    revoke = admin_api_a.post(f"/api/v1/access-grants/{grant['id']}/revoke/")
    assert revoke.status_code == 409


def test_a_revoked_grant_gives_no_read(
    tenant_a: Any, in_tenant: Any, inside: Any, admin_api_a: Any
) -> None:
    page, grant = inside()
    revoked = admin_api_a.post(f"/api/v1/access-grants/{grant['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert page.get("/exceptions/")["Location"].startswith("/login/")
    assert page.get("/api/v1/exceptions/").status_code in (401, 403)
    console = signed_in_page("support@partner.test")
    assert console.post(f"/partner/support/{grant['id']}/open/")["Location"].endswith(
        "/partner/support/"
    )


def test_writes_are_refused_under_a_read_grant_and_audited(
    tenant_a: Any, in_tenant: Any, inside: Any
) -> None:
    page, grant = inside()
    refused = page.post(
        "/api/v1/suppliers/", {"name": "Sneaky Ltd"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert "read-only" in refused.json()["detail"]
    form = page.post("/settings/", {"form": "invite", "email": "x@a.test"})
    assert form.status_code == 403
    with in_tenant(tenant_a):
        from apps.suppliers.models import Supplier

        assert not Supplier.objects.filter(name="Sneaky Ltd").exists()
        statuses = {
            (e.data["method"], e.data["status"])
            for e in AuditEvent.objects.filter(
                action="support.request", subject_id=str(grant["id"])
            )
        }
    assert ("POST", 403) in statuses
    # signing out is the one write a read grant makes
    assert page.post("/logout/").status_code == 302


def test_a_write_grant_lends_only_its_capability_on_a_write(
    tenant_a: Any, in_tenant: Any, inside: Any
) -> None:
    page, grant = inside(scope="process_invoices")
    assert grant["scope"] == "process_invoices"
    # reading suppliers is lent for a read; creating one is not what this grant names
    assert page.get("/api/v1/suppliers/").status_code == 200
    created = page.post(
        "/api/v1/suppliers/",
        {"name": "Sneaky Ltd", "country": "DE", "tax_id": "DE123", "email": "s@x.test"},
        content_type="application/json",
    )
    assert created.status_code == 403
    # a write of the capability granted passes the gate and reaches the view (no such record)
    resolve = page.post(
        "/api/v1/exceptions/00000000-0000-4000-8000-000000000000/resolve/",
        {"resolution": "accept_variance", "comment": "ok"},
        content_type="application/json",
    )
    assert resolve.status_code == 404, resolve.content


def test_the_hand_off_is_single_use_short_lived_and_for_its_tenant(
    tenant_a: Any, tenant_b: Any, granted: Any
) -> None:
    from apps.partners.models import SupportHandoff

    grant = granted()
    console = signed_in_page("support@partner.test")
    url = ticket_url(console, grant["id"])
    assert urlsplit(url).hostname == "a.localhost"
    # on another tenant's host the ticket opens nothing
    other = PageClient(HTTP_HOST="b.localhost")
    assert other.get(urlsplit(url).path).status_code == 403
    _page, first = enter(url)
    assert first.status_code == 302
    _again, second = enter(url)
    assert second.status_code == 403
    # a ticket older than its minute is refused
    late = ticket_url(console, grant["id"])
    SupportHandoff.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert enter(late)[1].status_code == 403
    assert enter("http://a.localhost/support/enter/made-up/")[1].status_code == 403
    # only the grant's own partner person mints one
    admin_console = signed_in_page("partner@partner.test")
    assert admin_console.post(f"/partner/support/{grant['id']}/open/")["Location"].endswith(
        "/partner/support/"
    )


def test_a_grant_for_tenant_a_gives_nothing_on_tenant_b(tenant_b: Any, inside: Any) -> None:
    page, _grant_body = inside()
    page.defaults["HTTP_HOST"] = "b.localhost"
    assert page.get("/exceptions/")["Location"].startswith("/login/")
    assert page.get("/api/v1/exceptions/").status_code in (401, 403)


def test_the_stand_in_has_no_password_no_token_and_no_permission_of_its_own(
    tenant_a: Any, in_tenant: Any, inside: Any
) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from apps.accounts.models import User

    _page, grant = inside()
    with in_tenant(tenant_a):
        standin = User.objects.get(pk=_grant(grant["id"]).standin_user_id)
        assert standin.get_full_name() == "Support Partner (Test Partners support)"
        assert not standin.has_usable_password()
        assert not Token.objects.filter(user=standin).exists()
        assert not standin.has_perm("accounts.process_invoices")
        assert not standin.groups.exists()
        token = Token.objects.create(user=standin)  # even if one were made by hand
    api = APIClient(HTTP_HOST="a.localhost", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/exceptions/").status_code == 403
    # and it is nobody among the tenant's people
    with in_tenant(tenant_a):
        from apps.accounts.selectors import tenant_users

        assert standin not in tenant_users()


def test_a_rival_partner_and_other_roles_cannot_ask(tenant_a: Any) -> None:
    rival = signed_in_api("other@rival.test")
    assert ask(rival).status_code == 404
    billing = signed_in_api("billing@partner.test")
    refused = ask(billing)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert billing.get("/api/v1/partner/access-requests/").status_code == 403


def test_the_minute_task_writes_lapsed_grants_as_expired_and_ends_their_stand_ins(
    tenant_a: Any, in_tenant: Any, inside: Any
) -> None:
    from apps.accounts.models import User
    from apps.partners.models import AccessGrant
    from apps.partners.tasks import lapse_support_grants

    page, grant = inside()
    assert lapse_support_grants() == 0
    AccessGrant.objects.filter(pk=grant["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert lapse_support_grants() == 1
    assert _grant(grant["id"]).status == "expired"
    with in_tenant(tenant_a):
        assert not User.objects.get(pk=_grant(grant["id"]).standin_user_id).is_active
    assert page.get("/exceptions/")["Location"].startswith("/login/")


def test_a_request_nobody_answers_lapses(
    tenant_a: Any,
    in_tenant: Any,
    admin_api_a: Any,
    support_api: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from apps.partners.models import AccessGrant
    from apps.partners.support.services import support_grants_lapse

    old, recent = ask(support_api).json()["id"], ask(support_api).json()["id"]
    AccessGrant.objects.filter(pk=old).update(requested_at=timezone.now() - timedelta(hours=73))
    AccessGrant.objects.filter(pk=recent).update(requested_at=timezone.now() - timedelta(hours=71))
    # past the answer window it reads expired everywhere and can no longer be approved
    assert admin_api_a.get(f"/api/v1/access-grants/{old}/").json()["status"] == "expired"
    refused = admin_api_a.post(f"/api/v1/access-grants/{old}/approve/")
    assert refused.status_code == 409 and "72 hours" in refused.json()["detail"]
    assert _grant(old).status == "pending"
    # the minute task writes it down, tells the partner person, and leaves the recent one
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert support_grants_lapse() == 1
    assert (_grant(old).status, _grant(recent).status) == ("expired", "pending")
    assert [m.to for m in mailoutbox] == [["support@partner.test"]]
    assert "not answered in 72 hours" in mailoutbox[0].body
    with in_tenant(tenant_a):
        assert AuditEvent.objects.filter(
            action="support_access.request_lapsed", subject_id=str(old)
        ).exists()
    assert support_grants_lapse() == 0  # once
    assert admin_api_a.post(f"/api/v1/access-grants/{recent}/approve/").status_code == 200
