"""Step-up: releasing a payment run, approving a bank change and publishing a policy ask for a
second factor of the last five minutes, through the service (a stale or missing factor is
refused, a fresh one accepted), the pages (sent to the code prompt and back to the action) and
the API (`otp` with the call); the action's audit event records the factor; the system is not
asked; a person without an authenticator is told to set one up."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.mfa.stepup import EnrolmentRequired, StepUpRequired
from apps.audit.models import AuditEvent
from apps.payments.models import PaymentRun
from apps.payments.services.runs import payment_run_release
from apps.policies.document import DEFAULT_POLICY
from apps.policies.models import PolicyVersion
from apps.policies.services import policy_draft_create, policy_publish
from apps.suppliers.models import BankAccount
from apps.suppliers.services.banking import bank_account_approve, bank_account_record_callback
from tests import world
from tests.conftest import (
    fresh_code,
    partner_authenticator,
    session_with_factor,
    with_fresh_factor,
)
from tests.suppliers.test_bank_control import _pending

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- the three actions
@pytest.fixture
def release(aporg: Any, receive: Any, in_tenant: Any, make_user: Any) -> Any:
    releaser = make_user(aporg.tenant, "releaser", ["ap_manager"])
    with in_tenant(aporg.tenant):
        run = world.proposed_run(aporg, receive)
        partner_authenticator(releaser)
    return aporg.tenant, releaser, run


@pytest.fixture
def bank_change(sorg: Any, in_tenant: Any, api_for: Any) -> Any:
    _supplier, _user, body = _pending(sorg, in_tenant, api_for)
    with in_tenant(sorg.tenant):
        bank_account_record_callback(
            actor=sorg.clerk, account_id=body["id"], confirmed=True, note="Spoke to AR lead"
        )
        partner_authenticator(sorg.compliance)
    return sorg.tenant, sorg.compliance, body["id"]


@pytest.fixture
def policy_draft(tenant_a: Any, in_tenant: Any, make_user: Any) -> Any:
    admin = make_user(tenant_a, "policyadmin", ["tenant_admin"])
    with in_tenant(tenant_a):
        partner_authenticator(admin)
        document = copy.deepcopy(DEFAULT_POLICY)
        document["mfa"] = {"required_roles": []}  # as the shared tenants have it
        draft = policy_draft_create(actor=admin, document=document, note="step-up")
    return tenant_a, admin, draft


def _do(kind: str, actor: Any, target: Any) -> Any:
    if kind == "release":
        return payment_run_release(actor=actor, run_id=target.pk)
    if kind == "bank_change":
        return bank_account_approve(actor=actor, account_id=target)
    return policy_publish(actor=actor, version=target)


def _done(kind: str, target: Any) -> bool:
    if kind == "release":
        return PaymentRun.objects.get(pk=target.pk).status == PaymentRun.Status.RELEASED
    if kind == "bank_change":
        return BankAccount.objects.get(pk=target).status == BankAccount.Status.ACTIVE
    return PolicyVersion.objects.get(pk=target.pk).status == PolicyVersion.Status.PUBLISHED


EVENT = {
    "release": "payment_run.released",
    "bank_change": "supplier.bank_account_approved",
    "policy": "policy.published",
}
ACTIONS = ["release", "bank_change", "policy"]


@pytest.fixture
def action(request: Any) -> Any:
    fixture = {"release": "release", "bank_change": "bank_change", "policy": "policy_draft"}
    return request.param, request.getfixturevalue(fixture[request.param])


# --------------------------------------------------------------------------- the service
@pytest.mark.parametrize("action", ACTIONS, indirect=True)
def test_the_service_refuses_without_a_factor_and_with_a_stale_one(
    action: Any, in_tenant: Any
) -> None:
    kind, (tenant, actor, target) = action
    with in_tenant(tenant):
        with pytest.raises(StepUpRequired) as refused:
            _do(kind, actor, target)
        assert refused.value.status == 403 and refused.value.code == "step_up_required"
        with_fresh_factor(actor, age_seconds=5 * 60 + 1)  # typed just over five minutes ago
        with pytest.raises(StepUpRequired):
            _do(kind, actor, target)
        assert not _done(kind, target)


@pytest.mark.parametrize("action", ACTIONS, indirect=True)
def test_a_fresh_factor_is_accepted_and_recorded_on_the_event(action: Any, in_tenant: Any) -> None:
    kind, (tenant, actor, target) = action
    with in_tenant(tenant):
        with_fresh_factor(actor, age_seconds=4 * 60)
        _do(kind, actor, target)
        assert _done(kind, target)
        event = AuditEvent.objects.filter(action=EVENT[kind]).latest("id")
        factor = event.data["second_factor"]
    assert factor["device"] == "authenticator" and factor["via"] == "test"
    assert 4 * 60 <= factor["age_seconds"] <= 4 * 60 + 30 and factor["given_at"]


def test_the_factor_goes_stale_as_time_passes(release: Any, in_tenant: Any) -> None:
    tenant, releaser, run = release
    with in_tenant(tenant), time_machine.travel(timezone.now(), tick=False) as clock:
        with_fresh_factor(releaser)
        clock.shift(timedelta(minutes=5, seconds=1))
        with pytest.raises(StepUpRequired):
            payment_run_release(actor=releaser, run_id=run.pk)


def test_a_factor_of_someone_else_does_not_count(
    release: Any, in_tenant: Any, make_user: Any
) -> None:
    tenant, releaser, run = release
    other = make_user(tenant, "otherapm", ["ap_manager"])
    with in_tenant(tenant):
        with_fresh_factor(other)
        with pytest.raises(StepUpRequired):
            payment_run_release(actor=releaser, run_id=run.pk)


def test_without_an_authenticator_the_person_is_told_to_set_one_up(
    release: Any, in_tenant: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    tenant, releaser, run = release
    with in_tenant(tenant):
        TOTPDevice.objects.filter(user=releaser).delete()
        with pytest.raises(EnrolmentRequired) as refused:
            payment_run_release(actor=releaser, run_id=run.pk)
        assert refused.value.code == "mfa_enrolment_required"
        assert "/account/security/" in refused.value.detail


def test_the_system_is_not_asked(policy_draft: Any, in_tenant: Any) -> None:
    tenant, _admin, draft = policy_draft
    with in_tenant(tenant):
        policy_publish(actor="system:provisioning", version=draft)
        event = AuditEvent.objects.filter(action="policy.published").latest("id")
        assert "second_factor" not in (event.data or {})


# --------------------------------------------------------------------------- the API
API = {
    "release": lambda target: f"/api/v1/payment-runs/{target.pk}/release/",
    "bank_change": lambda target: f"/api/v1/bank-accounts/{target}/approve/",
    "policy": lambda target: f"/api/v1/policies/{target.number}/publish/",
}


@pytest.mark.parametrize("action", ACTIONS, indirect=True)
def test_the_api_asks_for_otp_and_takes_it_with_the_call(
    action: Any, in_tenant: Any, api_for: Any
) -> None:
    kind, (tenant, actor, target) = action
    api = api_for(tenant, actor)
    url = API[kind](target)
    refused = api.post(url, {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "step_up_required"
    assert "otp" in refused.json()["detail"]
    wrong = api.post(url, {}, format="json", HTTP_X_SPENDGATE_OTP="000000")
    assert wrong.status_code == 403 and wrong.json()["code"] == "otp_invalid"
    with in_tenant(tenant):
        assert not _done(kind, target)
        header = fresh_code(actor)
    done = api.post(url, {}, format="json", **header)
    assert done.status_code == 200, done.content
    with in_tenant(tenant):
        assert _done(kind, target)
        event = AuditEvent.objects.filter(action=EVENT[kind]).latest("id")
        assert event.data["second_factor"]["via"] == "request"


def test_the_api_takes_otp_as_a_field_too(release: Any, in_tenant: Any, api_for: Any) -> None:
    tenant, releaser, run = release
    api = api_for(tenant, releaser)
    with in_tenant(tenant):
        code = fresh_code(releaser)["HTTP_X_SPENDGATE_OTP"]
    done = api.post(f"/api/v1/payment-runs/{run.pk}/release/", {"otp": code}, format="json")
    assert done.status_code == 200, done.content
    # each code works once: the same code again is refused
    again = api.post(f"/api/v1/payment-runs/{run.pk}/release/", {"otp": code}, format="json")
    assert again.status_code == 403 and again.json()["code"] == "otp_invalid"


# --------------------------------------------------------------------------- the pages
def _page(tenant: Any, user: Any, in_tenant: Any, api_for: Any, *, age: float | None) -> Any:
    page = api_for(tenant)
    with in_tenant(tenant):
        if age is None:
            page.force_login(user)
        else:
            session_with_factor(page, user, age_seconds=age)
    return page


def _release_form(run: Any) -> dict[str, str]:
    return {"action": "release", "confirmation": "given", "confirmed_total": str(run.total)}


def test_a_stale_page_session_goes_to_the_prompt_and_back_to_the_release(
    release: Any, in_tenant: Any, api_for: Any
) -> None:
    tenant, releaser, run = release
    page = _page(tenant, releaser, in_tenant, api_for, age=6 * 60)
    posted = page.post(f"/payments/{run.pk}/", _release_form(run))
    assert posted.status_code == 302
    assert posted["Location"].startswith("/account/step-up/?next=")
    with in_tenant(tenant):
        assert PaymentRun.objects.get(pk=run.pk).status == PaymentRun.Status.PROPOSED
    prompt = page.get(posted["Location"])
    assert prompt.status_code == 200 and 'data-testid="step-up-form"' in prompt.content.decode()
    wrong = page.post(posted["Location"], {"code": "000000"})
    assert wrong.status_code == 422
    with in_tenant(tenant):
        code = fresh_code(releaser)["HTTP_X_SPENDGATE_OTP"]
    accepted = page.post(posted["Location"], {"code": code})
    resume = accepted.content.decode()
    assert accepted.status_code == 200 and 'data-testid="step-up-resume"' in resume
    assert f'action="/payments/{run.pk}/"' in resume and str(run.total) in resume
    again = page.post(f"/payments/{run.pk}/", _release_form(run))  # the resumed form
    assert again.status_code == 302 and not again["Location"].startswith("/account/")
    with in_tenant(tenant):
        assert PaymentRun.objects.get(pk=run.pk).status == PaymentRun.Status.RELEASED
        event = AuditEvent.objects.filter(action="payment_run.released").latest("id")
        assert event.data["second_factor"]["via"] == "session"


@pytest.mark.parametrize("action", ACTIONS, indirect=True)
def test_pages_refuse_without_a_fresh_factor_and_act_with_one(
    action: Any, in_tenant: Any, api_for: Any
) -> None:
    kind, (tenant, actor, target) = action
    if kind == "release":
        url, form = f"/payments/{target.pk}/", _release_form(target)
    elif kind == "bank_change":
        url, form = f"/suppliers/bank-accounts/{target}/approve/", {"confirmation": "given"}
    else:
        url = f"/settings/policies/{target.number}/"
        form = {"publish": "1", "confirmation": "given", "document": json.dumps(target.document)}
    for stale in (None, 5 * 60 + 5):
        page = _page(tenant, actor, in_tenant, api_for, age=stale)
        refused = page.post(url, form)
        assert refused.status_code == 302 and refused["Location"].startswith("/account/step-up/")
        with in_tenant(tenant):
            assert not _done(kind, target)
    page = _page(tenant, actor, in_tenant, api_for, age=30)
    done = page.post(url, form)
    assert done.status_code == 302 and not done["Location"].startswith("/account/"), done
    with in_tenant(tenant):
        assert _done(kind, target)


def test_the_prompt_sends_someone_without_an_authenticator_to_set_one_up(
    tenant_a: Any, make_user: Any, in_tenant: Any, api_for: Any
) -> None:
    person = make_user(tenant_a, "noapp", ["ap_manager"])
    page = _page(tenant_a, person, in_tenant, api_for, age=None)
    answer = page.get("/account/step-up/?next=/payments/")
    assert answer.status_code == 302 and answer["Location"].startswith("/account/security/")
