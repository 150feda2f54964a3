"""Sign-in, lockout, roles and their permission matrix, invitations from /settings/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.models import Group
from django.test import Client as BrowserClient

from apps.accounts.models import User
from apps.accounts.roles import ROLE_CAPABILITIES
from tests.conftest import PASSWORD, count_queries

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_api_token_lockout_after_repeated_failures(
    tenant_a: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    user = make_user(tenant_a, "requester", ["requester"])
    api = api_for(tenant_a)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = api.post(
            "/api/v1/auth/token/", {"username": user.email, "password": "wrong"}, format="json"
        )
        assert wrong.status_code == 401
    locked = api.post(
        "/api/v1/auth/token/", {"username": user.email, "password": "wrong"}, format="json"
    )
    assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
    # even the right password is refused while locked
    right = api.post(
        "/api/v1/auth/token/", {"username": user.email, "password": PASSWORD}, format="json"
    )
    assert right.status_code == 429


def test_browser_login_lockout(tenant_a: Any, make_user: Any, settings: Any) -> None:
    user = make_user(tenant_a, "buyer", ["buyer"])
    browser = BrowserClient(HTTP_HOST="a.localhost")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = browser.post("/login/", {"username": user.email, "password": "nope"})
    assert response.status_code == 429 and b"Too many failed sign-in attempts" in response.content
    assert (
        browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 429
    )


def test_lockout_in_one_tenant_does_not_lock_the_same_address_in_another(
    tenant_a: Any, tenant_b: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    make_user(tenant_a, "same", ["requester"])
    user_b = make_user(tenant_b, "same", ["requester"])
    api_a = api_for(tenant_a)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_a.post(
            "/api/v1/auth/token/", {"username": "same@tenanta.test", "password": "x"}, format="json"
        )
    ok = api_for(tenant_b).post(
        "/api/v1/auth/token/", {"username": user_b.email, "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200


def test_passwords_are_hashed_with_argon2(tenant_a: Any, in_tenant: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    from apps.accounts.services import user_ensure

    with in_tenant(tenant_a):
        user = user_ensure(
            email="hash@tenanta.test", password="a-strong-pass-99", roles=["requester"]
        )
        assert identify_hasher(user.password).algorithm == "argon2"


def test_each_role_holds_exactly_its_capabilities(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a):
        for role, capabilities in ROLE_CAPABILITIES.items():
            group = Group.objects.get(name=role)
            # retention's own permission (apps.retention.roles), held by compliance alone
            held = capabilities | ({"manage_legal_holds"} if role == "compliance" else set())
            assert set(group.permissions.values_list("codename", flat=True)) == held


def test_roles_doc_matches_the_matrix() -> None:
    doc = (ROOT / "docs" / "roles.md").read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z_]+)` \|(.*)\|$", doc, re.M)}
    roles = list(ROLE_CAPABILITIES)
    header = re.search(r"^\| capability \|(.*)\|$", doc, re.M)
    assert header, "docs/roles.md has no matrix header"
    columns = [c.strip().strip("`") for c in header.group(1).split("|")]
    assert columns == roles
    all_caps = sorted(set().union(*ROLE_CAPABILITIES.values()))
    assert sorted(rows) == all_caps
    for capability, cells in rows.items():
        marks = [c.strip() for c in cells.split("|")]
        held = {role for role, mark in zip(roles, marks, strict=True) if mark == "✓"}
        assert held == {r for r in roles if capability in ROLE_CAPABILITIES[r]}, capability


def test_roles_decide_what_a_user_may_see(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    supplier = make_user(tenant_a, "supplier", ["supplier"])
    requester = make_user(tenant_a, "requester", ["requester"])
    assert api_for(tenant_a, supplier).get("/api/v1/cost-centers/").status_code == 403
    assert api_for(tenant_a, requester).get("/api/v1/cost-centers/").status_code == 200
    assert api_for(tenant_a, requester).get("/api/v1/users/").status_code == 403
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": requester.email, "password": PASSWORD})
    assert browser.get("/settings/").status_code == 403


def test_admin_invites_a_user_and_assigns_roles_in_settings(
    tenant_a: Any,
    make_user: Any,
    in_tenant: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": admin.email, "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/settings/",
            {
                "form": "invite",
                "email": "New.Hire@TenantA.test",
                "roles": ["requester", "receiver"],
            },
        )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["new.hire@tenanta.test"]]
    assert "Alpha Purchasing" in mailoutbox[0].subject
    with in_tenant(tenant_a):
        invitee = User.objects.get(email="new.hire@tenanta.test")
        assert not invitee.has_usable_password()
        assert sorted(invitee.groups.values_list("name", flat=True)) == ["receiver", "requester"]
    page = browser.get("/settings/").content.decode()
    assert "new.hire@tenanta.test" in page and "invited" in page
    saved = browser.post(
        f"/settings/users/{invitee.pk}/roles/",
        {f"u{invitee.pk}-roles": ["approver"], "confirmation": "given"},
    )
    assert saved.status_code == 302
    with in_tenant(tenant_a):
        assert list(invitee.groups.values_list("name", flat=True)) == ["approver"]
    duplicate = browser.post(
        "/settings/",
        {"form": "invite", "email": "new.hire@tenanta.test", "roles": ["buyer"]},
        follow=True,
    )
    assert b"already exists" in duplicate.content


def test_admin_cannot_remove_own_admin_role(tenant_a: Any, make_user: Any, in_tenant: Any) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": admin.email, "password": PASSWORD})
    browser.post(
        f"/settings/users/{admin.pk}/roles/",
        {f"u{admin.pk}-roles": ["requester"], "confirmation": "given"},
    )
    with in_tenant(tenant_a):
        assert admin.groups.filter(name="tenant_admin").exists()


def test_settings_and_user_list_query_counts_are_flat(
    tenant_a: Any, make_user: Any, api_for: Any
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    api = api_for(tenant_a, admin)
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": admin.email, "password": PASSWORD})
    api_few = count_queries(lambda: api.get("/api/v1/users/"))
    page_few = count_queries(lambda: browser.get("/settings/"))
    for i in range(15):
        make_user(tenant_a, f"person{i}", ["requester", "buyer"])
    assert count_queries(lambda: api.get("/api/v1/users/")) == api_few
    assert count_queries(lambda: browser.get("/settings/")) == page_few


def test_home_page_shows_the_users_roles(tenant_a: Any, make_user: Any) -> None:
    user = make_user(tenant_a, "ap", ["ap_clerk"], first_name="Alex")
    browser = BrowserClient(HTTP_HOST="a.localhost")
    assert browser.get("/").status_code == 302
    browser.post("/login/", {"username": user.email, "password": PASSWORD})
    page = browser.get("/").content.decode()
    assert "Welcome, Alex" in page and "AP clerk" in page


def test_logout_ends_the_session(tenant_a: Any, make_user: Any) -> None:
    user = make_user(tenant_a, "buyer", ["buyer"])
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": user.email, "password": PASSWORD})
    assert browser.post("/logout/").status_code == 302
    assert browser.get("/").status_code == 302
