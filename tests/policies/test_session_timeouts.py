"""Idle and absolute session timeouts, per tenant: the policy's `sessions` section (defaults
30 minutes idle, 12 hours in all) ends a session that sat idle or lived too long; the person
lands on /login/ with a sentence saying why, an API call with the session gets 401. The
section is validated, and a partner template may lock its fields."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.utils import timezone

from apps.accounts.models import UserSession
from apps.policies.document import DEFAULT_POLICY, PolicyError, validate_document
from apps.policies.managed import FIELD_PATHS, field_label
from apps.policies.session_section import session_limits_forget
from tests.conftest import PASSWORD, host_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits_forgotten(tenant_a: Any, in_tenant: Any) -> Iterator[None]:
    """The tenant's cached limits dropped before and after (a test's policy is rolled back)."""
    with in_tenant(tenant_a):
        session_limits_forget()
    yield
    with in_tenant(tenant_a):
        session_limits_forget()


def _signed_in(tenant: Any, user: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST=host_of(tenant))
    assert (
        browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    )
    return browser


def _published(tenant: Any, admin: Any, in_tenant: Any, sessions: dict[str, int]) -> None:
    from apps.policies.services import policy_draft_create, policy_publish
    from tests.conftest import with_fresh_factor

    document = copy.deepcopy(DEFAULT_POLICY)
    document["sessions"] = sessions
    document["mfa"] = {"required_roles": []}  # as the shared tenants: nobody must enrol
    with in_tenant(tenant):
        with_fresh_factor(admin)  # publishing a policy asks for a fresh second factor
        policy_publish(actor=admin, version=policy_draft_create(actor=admin, document=document))
        session_limits_forget()  # what the publication does once it commits


def test_an_idle_session_ends_after_the_default_thirty_minutes(
    tenant_a: Any, make_user: Any, in_tenant: Any, limits_forgotten: None
) -> None:
    user = make_user(tenant_a, "idler", ["requester"])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser = _signed_in(tenant_a, user)
        clock.shift(timedelta(minutes=29))
        assert browser.get("/").status_code == 200
        clock.shift(timedelta(minutes=29))  # active within the limit: still signed in
        assert browser.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        ended = browser.get("/requisitions/")
        assert ended.status_code == 302 and ended["Location"] == "/login/?next=%2Frequisitions%2F"
        page = browser.get(ended["Location"]).content.decode()
        assert "signed out after 30 minutes without activity" in page
        assert browser.get("/").status_code == 302  # signed out for good
    with in_tenant(tenant_a):
        assert not UserSession.objects.filter(user=user).exists()


def test_the_tenants_policy_sets_idle_and_absolute_limits(
    tenant_a: Any, make_user: Any, in_tenant: Any, limits_forgotten: None
) -> None:
    admin = make_user(tenant_a, "policy.admin", ["tenant_admin"])
    user = make_user(tenant_a, "busy", ["requester"])
    _published(tenant_a, admin, in_tenant, {"idle_minutes": 10, "absolute_hours": 1})
    with time_machine.travel(timezone.now(), tick=False) as clock:
        idle = _signed_in(tenant_a, user)
        busy = _signed_in(tenant_a, user)
        clock.shift(timedelta(minutes=9))
        assert idle.get("/").status_code == 200 and busy.get("/").status_code == 200
        clock.shift(timedelta(minutes=9))
        assert busy.get("/").status_code == 200
        clock.shift(timedelta(minutes=2))
        assert idle.get("/").status_code == 302  # 11 minutes idle (the default would keep it)
        for _ in range(5):  # busy every 9 minutes, until past the hour (65 minutes)
            assert busy.get("/").status_code == 200
            clock.shift(timedelta(minutes=9))
        ended = busy.get("/")
        assert ended.status_code == 302
        page = busy.get(ended["Location"]).content.decode()
        assert "Your session ended 1 hour after you signed in." in page


def test_an_api_call_with_an_ended_session_is_answered_401(
    tenant_a: Any, make_user: Any, limits_forgotten: None
) -> None:
    user = make_user(tenant_a, "scripted", ["requester"])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser = _signed_in(tenant_a, user)
        assert browser.get("/api/v1/requisitions/").status_code == 200
        clock.shift(timedelta(hours=13))
        answer = browser.get("/api/v1/requisitions/")
        assert answer.status_code == 401 and answer.json()["code"] == "session_expired"


@pytest.mark.parametrize(
    "sessions",
    [
        {"idle_minutes": 0},
        {"idle_minutes": 30.5},
        {"absolute_hours": 24 * 31},
        {"absolute_hours": True},
        {"forever": 1},
        "12h",
    ],
)
def test_the_sessions_section_is_validated(sessions: Any) -> None:
    document = {**copy.deepcopy(DEFAULT_POLICY), "sessions": sessions}
    with pytest.raises(PolicyError) as refused:
        validate_document(document)
    assert any(key.startswith("sessions") for key in refused.value.errors)


def test_the_defaults_and_the_template_fields() -> None:
    assert validate_document(copy.deepcopy(DEFAULT_POLICY))["sessions"] == {
        "idle_minutes": 30,
        "absolute_hours": 12,
    }
    assert {"sessions.idle_minutes", "sessions.absolute_hours"} <= set(FIELD_PATHS)
    assert field_label("sessions.idle_minutes") == "Sessions \u203a idle minutes"
