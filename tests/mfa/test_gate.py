"""Two-step sign-in for tenant people: the roles the policy's `mfa` section names must set up
an authenticator before anything else and give its code at each sign-in (pages and the token
endpoint); every other role signs in as before. The section is validated and a partner
template can lock it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as BrowserClient
from rest_framework.test import APIClient

from apps.audit.models import AuditEvent
from apps.policies.document import PolicyError, validate_document
from apps.policies.managed import FIELD_PATHS, field_label
from tests.conftest import (
    PASSWORD,
    authenticator_set_up,
    fresh_code,
    mfa_required_roles_set,
    partner_authenticator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(tenant_a: Any, in_tenant: Any) -> Any:
    """tenant_a's policy asks AP managers and tenant admins for two steps."""
    with in_tenant(tenant_a):
        mfa_required_roles_set(["ap_manager", "tenant_admin"])
    return tenant_a


def _signed_in(tenant: Any, user: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="a.localhost" if tenant.slug == "tenanta" else "b.localhost")
    signed = browser.post("/login/", {"username": user.email, "password": PASSWORD})
    assert signed.status_code == 302
    return browser


def test_a_required_role_sets_up_an_authenticator_before_anything_else(
    required: Any, make_user: Any, in_tenant: Any
) -> None:
    person = make_user(required, "mustenrol", ["ap_manager"])
    browser = _signed_in(required, person)
    for path in ("/", "/payments/", "/invoices/"):
        answer = browser.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith(
            "/account/security/?next="
        ), path
    api = browser.get("/api/v1/payment-runs/")
    assert api.status_code == 403 and api.json()["code"] == "mfa_enrolment_required"
    assert "Recovery codes" in authenticator_set_up(browser)
    assert browser.get("/payments/").status_code == 200
    with in_tenant(required):
        event = AuditEvent.objects.filter(action="mfa_device.enrolled").latest("id")
        assert (event.subject_type, event.subject_id) == ("user", str(person.pk))


def test_other_roles_sign_in_as_before(required: Any, make_user: Any) -> None:
    person = make_user(required, "norequired", ["requester"])
    browser = _signed_in(required, person)
    assert browser.get("/").status_code == 200
    # and may still set up an authenticator of their own
    assert "Recovery codes" in authenticator_set_up(browser)


def test_no_role_is_asked_when_the_policy_names_none(tenant_a: Any, make_user: Any) -> None:
    person = make_user(tenant_a, "adminfree", ["tenant_admin"])  # shared tenants: none named
    assert _signed_in(tenant_a, person).get("/").status_code == 200


def test_the_default_policy_names_admins_ap_managers_and_compliance() -> None:
    document = validate_document({"rules": [{"id": "r", "when": "true", "steps": []}]})
    assert document["mfa"]["required_roles"] == ["tenant_admin", "ap_manager", "compliance"]


def test_an_enrolled_required_person_gives_the_code_at_each_sign_in(
    required: Any, make_user: Any, in_tenant: Any
) -> None:
    person = make_user(required, "verifies", ["tenant_admin"])
    with in_tenant(required):
        partner_authenticator(person)
    browser = _signed_in(required, person)
    asked = browser.get("/settings/")
    assert asked.status_code == 302 and asked["Location"].startswith("/account/verify/?next=")
    wrong = browser.post("/account/verify/", {"code": "000000", "next": "/settings/"})
    assert wrong.status_code == 422
    assert browser.get("/settings/").status_code == 302  # still asked
    with in_tenant(required):
        code = fresh_code(person)["HTTP_X_SPENDGATE_OTP"]  # past the back-off of the wrong one
    right = browser.post("/account/verify/", {"code": code, "next": "/settings/"})
    assert (right.status_code, right["Location"]) == (302, "/settings/")
    assert browser.get("/settings/").status_code == 200


def _token(tenant: Any, user: Any, **extra: str) -> Any:
    return APIClient(HTTP_HOST="a.localhost").post(
        "/api/v1/auth/token/",
        {"username": user.email, "password": PASSWORD, **extra},
        format="json",
    )


def test_the_token_endpoint_asks_a_required_person_for_otp(
    required: Any, make_user: Any, in_tenant: Any
) -> None:
    person = make_user(required, "apitoken", ["ap_manager"])
    refused = _token(required, person)
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_enrolment_required"
    with in_tenant(required):
        partner_authenticator(person)
    missing = _token(required, person)
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    wrong = _token(required, person, otp="000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    with in_tenant(required):
        code = fresh_code(person)["HTTP_X_SPENDGATE_OTP"]
    assert _token(required, person, otp=code).status_code == 200


def test_the_token_endpoint_takes_the_password_alone_from_other_roles(
    required: Any, make_user: Any
) -> None:
    person = make_user(required, "clerktoken", ["ap_clerk"])
    assert _token(required, person).status_code == 200


def test_the_mfa_section_is_validated_and_a_template_can_lock_it() -> None:
    with pytest.raises(PolicyError) as bad:
        validate_document(
            {
                "rules": [{"id": "r", "when": "true", "steps": []}],
                "mfa": {"required_roles": ["wizard"], "grace_days": 3},
            }
        )
    assert {"mfa.required_roles", "mfa.grace_days"} <= set(bad.value.errors)
    assert "mfa.required_roles" in FIELD_PATHS
    assert field_label("mfa.required_roles") == "Second factor \u203a required roles"
