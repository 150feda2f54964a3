"""A partner admin invites, re-roles and removes the partner's people, each change audited in
the public schema's trail and shown in words; a removed person's session and token stop at
once; the last admin stays; another partner's people are out of reach."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as BrowserClient
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.controls.refusals import Conflict, NotFound, PermissionRefused, ValidationFailed
from apps.demo.tenants import ensure_partner_admin
from apps.partners.people.services import (
    partner_user_invite,
    partner_user_remove,
    partner_user_set_role,
)
from apps.tenancy.models import PartnerMembership
from tests.conftest import PASSWORD, count_queries, partner_api_for, partner_signed_in
from tests.portal.test_words import raw_codes, visible_text

pytestmark = pytest.mark.django_db
BASE = "http://localhost/"


def _admin() -> User:
    return User.objects.get(email="partner@partner.test")


def _token(email: str) -> APIClient:
    return partner_api_for(email)  # type: ignore[no-any-return]


def test_an_admin_invites_a_person_who_sets_a_password_and_signs_in(
    partner_api: APIClient, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        answer = partner_api.post(
            "/api/v1/partner/users/",
            {"email": "New.Person@Partner.test", "role": "partner_support", "first_name": "Nia"},
            format="json",
        )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["email"] == "new.person@partner.test"
    assert body["role"] == "partner_support" and body["status"] == "invited"
    assert body["two_step"] is False
    user = User.objects.get(email="new.person@partner.test")
    assert not user.has_usable_password() and user.partner_membership.role == "partner_support"
    event = AuditEvent.objects.get(action="partner_user.invited", subject_id=str(user.pk))
    assert event.actor == "partner@partner.test" and event.after["role"] == "partner_support"
    (mail,) = mailoutbox
    link = re.search(r"http://localhost/invite/\S+/", mail.body)
    assert link is not None and mail.to == ["new.person@partner.test"]
    browser = BrowserClient(HTTP_HOST="localhost")
    path = link.group(0).removeprefix("http://localhost")
    set_password = browser.post(
        path, {"password": "a-long-new-secret-42", "password_again": "a-long-new-secret-42"}
    )
    assert set_password.status_code == 302
    signed = browser.post(
        "/login/", {"username": "new.person@partner.test", "password": "a-long-new-secret-42"}
    )
    assert signed.status_code == 302
    # the first console visit asks for two-step sign-in, and so does the API: no token with
    # the password alone
    assert browser.get("/partner/")["Location"].startswith("/account/security/")
    token = APIClient(HTTP_HOST="localhost").post(
        "/api/v1/auth/token/",
        {"username": "new.person@partner.test", "password": "a-long-new-secret-42"},
        format="json",
    )
    assert token.status_code == 403 and token.json()["code"] == "mfa_enrolment_required"


def test_who_may_be_invited(tenant_a: Any, in_tenant: Any, make_user: Any) -> None:
    admin = _admin()
    # a tenant user's address is another person here
    make_user(tenant_a, "buyer", ["buyer"])
    membership = partner_user_invite(
        actor=admin, email="buyer@tenanta.test", role="partner_billing", base_url=BASE
    )
    assert membership.partner.name == "Test Partners"
    with pytest.raises(ValidationFailed) as theirs:
        partner_user_invite(
            actor=admin, email="other@rival.test", role="partner_support", base_url=BASE
        )
    assert "in use" in theirs.value.text()
    with pytest.raises(ValidationFailed) as ours:
        partner_user_invite(
            actor=admin, email="operator@partner.test", role="partner_support", base_url=BASE
        )
    assert "already one of yours" in ours.value.text()
    User.objects.create_user(email="root@platform.test", password=PASSWORD, is_staff=True)
    with pytest.raises(ValidationFailed):
        partner_user_invite(
            actor=admin, email="root@platform.test", role="partner_admin", base_url=BASE
        )
    with pytest.raises(ValidationFailed) as bad:
        partner_user_invite(actor=admin, email="not-an-address", role="chief", base_url=BASE)
    assert set(bad.value.errors or {}) == {"email", "role"}
    with pytest.raises(PermissionRefused):
        partner_user_invite(
            actor=User.objects.get(email="operator@partner.test"),
            email="x@partner.test",
            role="partner_support",
            base_url=BASE,
        )


def test_a_role_change_is_audited_and_shown_in_words(partner_api: APIClient) -> None:
    support = User.objects.get(email="support@partner.test")
    answer = partner_api.patch(
        f"/api/v1/partner/users/{support.pk}/", {"role": "partner_operator"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["role"] == "partner_operator"
    event = AuditEvent.objects.get(action="partner_user.role_changed", subject_id=str(support.pk))
    assert (event.before["role"], event.after["role"]) == ("partner_support", "partner_operator")
    bad = partner_api.patch(f"/api/v1/partner/users/{support.pk}/", {"role": "boss"}, format="json")
    assert bad.status_code == 400
    page = partner_signed_in().get("/partner/people/").content.decode()
    changes = visible_text(page.split('data-testid="people-changes"', 1)[1])
    assert "Partner role changed: Support → Operator" in changes
    assert not [
        c
        for c in raw_codes()
        if re.search(rf"(?<![\w.@]){re.escape(c)}(?![\w@])", visible_text(page))
    ]


def test_the_last_admin_can_be_neither_demoted_nor_removed() -> None:
    lone = ensure_partner_admin(
        email="lone@solo.test", partner_name="Solo Partners", password=PASSWORD
    )
    with pytest.raises(Conflict) as demoted:
        partner_user_set_role(actor=lone, user_id=lone.pk, role="partner_billing")
    assert "last admin" in demoted.value.text()
    with pytest.raises(Conflict):
        partner_user_remove(actor=lone, user_id=lone.pk)
    second = ensure_partner_admin(
        email="second@solo.test", partner_name="Solo Partners", password=PASSWORD
    )
    partner_user_set_role(actor=lone, user_id=lone.pk, role="partner_billing")  # now they may
    with pytest.raises(PermissionRefused):  # and, no longer admin, may do no more of it
        partner_user_set_role(
            actor=User.objects.get(pk=lone.pk), user_id=second.pk, role="partner_billing"
        )
    with pytest.raises(Conflict):
        partner_user_remove(actor=second, user_id=second.pk)
    api = _token("second@solo.test")
    refused = api.delete(f"/api/v1/partner/users/{second.pk}/")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"


def test_another_partners_people_are_not_found(partner_api: APIClient) -> None:
    rival = User.objects.get(email="other@rival.test")
    with pytest.raises(NotFound):
        partner_user_set_role(actor=_admin(), user_id=rival.pk, role="partner_billing")
    with pytest.raises(NotFound):
        partner_user_remove(actor=_admin(), user_id=rival.pk)
    for method, path in (
        ("get", f"/api/v1/partner/users/{rival.pk}/"),
        ("patch", f"/api/v1/partner/users/{rival.pk}/"),
        ("delete", f"/api/v1/partner/users/{rival.pk}/"),
        ("post", f"/api/v1/partner/users/{rival.pk}/remove/"),
        ("post", f"/api/v1/partner/users/{rival.pk}/reset-mfa/"),
    ):
        answer = getattr(partner_api, method)(path, {"role": "partner_billing"}, format="json")
        assert answer.status_code == 404, (method, path)
    emails = {row["email"] for row in partner_api.get("/api/v1/partner/users/").json()["results"]}
    assert "other@rival.test" not in emails and "operator@partner.test" in emails
    page = partner_signed_in().post(
        f"/partner/people/{rival.pk}/remove/", {"confirmation": "given"}
    )
    assert page.status_code == 302
    assert User.objects.get(pk=rival.pk).is_active


def test_a_removed_persons_session_and_token_stop_at_once(partner_api: APIClient) -> None:
    operator = User.objects.get(email="operator@partner.test")
    token = _token("operator@partner.test")
    browser = partner_signed_in("operator@partner.test")
    assert browser.get("/partner/").status_code == 200
    assert token.get("/api/v1/partner/tenants/").status_code == 200
    asked = partner_signed_in().post(f"/partner/people/{operator.pk}/remove/")
    assert asked.status_code == 200 and "Remove this person" in asked.content.decode()
    assert User.objects.get(pk=operator.pk).is_active  # nothing before the confirmation
    done = partner_signed_in().post(
        f"/partner/people/{operator.pk}/remove/", {"confirmation": "given"}, follow=True
    )
    assert "operator@partner.test is removed." in done.content.decode()
    operator.refresh_from_db()
    assert not operator.is_active and not operator.has_usable_password()
    assert not PartnerMembership.objects.filter(user=operator).exists()
    assert browser.get("/partner/")["Location"].startswith("/login/")
    assert token.get("/api/v1/partner/tenants/").status_code == 401
    again = APIClient(HTTP_HOST="localhost").post(
        "/api/v1/auth/token/", {"username": operator.email, "password": PASSWORD}, format="json"
    )
    assert again.status_code == 401
    event = AuditEvent.objects.get(action="partner_user.removed", subject_id=str(operator.pk))
    assert event.after["api_tokens"] == 1 and event.after["sessions"] >= 1
    assert event.after["devices"] == 1
    assert event.before == {"email": "operator@partner.test", "role": "partner_operator"}


def test_the_people_list_and_page_do_not_grow_in_queries(partner_api: APIClient) -> None:
    browser = partner_signed_in()
    browser.get("/partner/people/")
    page_few = count_queries(lambda: browser.get("/partner/people/"))
    api_few = count_queries(lambda: partner_api.get("/api/v1/partner/users/"))
    for n in range(4):
        partner_user_invite(
            actor=_admin(), email=f"p{n}@partner.test", role="partner_support", base_url=BASE
        )
    assert count_queries(lambda: browser.get("/partner/people/")) == page_few
    assert count_queries(lambda: partner_api.get("/api/v1/partner/users/")) == api_few
