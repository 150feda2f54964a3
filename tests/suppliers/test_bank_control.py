"""Bank-change control: pending until a call-back by one person and approval by another;
numbers encrypted at rest and masked everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from apps.suppliers.models import BankAccount, Supplier
from apps.suppliers.secrets import decrypt
from apps.suppliers.services.banking import (
    bank_account_add,
    bank_account_approve,
    bank_account_record_callback,
)
from tests.suppliers.conftest import invite, portal_user

pytestmark = pytest.mark.usefixtures("fresh_factors")  # step-up: tests/mfa

IBAN = "DE89370400440532013000"
SECOND_IBAN = "DE02120300000000202051"


def _pending(sorg: Any, in_tenant: Any, api_for: Any) -> tuple[Any, Any, dict[str, Any]]:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        Supplier.objects.filter(pk=supplier.pk).update(phone="+49 30 555 0000")
        user = portal_user(supplier)
    response = api_for(sorg.tenant, user).post(
        f"/api/v1/suppliers/{supplier.pk}/bank-accounts/",
        {"account_holder": "Tailspin Parts GmbH", "iban": IBAN, "bic": "COBADEFFXXX"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return supplier, user, response.json()


def test_new_account_waits_for_callback_and_a_second_person(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    supplier, _user, body = _pending(sorg, in_tenant, api_for)
    assert body["status"] == "pending_verification"
    clerk = api_for(sorg.tenant, sorg.clerk)
    url = f"/api/v1/bank-accounts/{body['id']}"
    # no approval before the call-back
    refused = api_for(sorg.tenant, sorg.compliance).post(f"{url}/approve/", {}, format="json")
    assert refused.status_code == 409
    done = clerk.post(
        f"{url}/callback/", {"confirmed": True, "note": "Spoke to AR lead"}, format="json"
    )
    assert done.status_code == 200, done.content
    # the person who recorded the call-back cannot approve
    same = clerk.post(f"{url}/approve/", {}, format="json")
    assert same.status_code == 403
    assert same.json()["code"] == "sod_violation"
    approved = api_for(sorg.tenant, sorg.compliance).post(f"{url}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active"
    with in_tenant(sorg.tenant):
        from apps.audit.models import AuditEvent

        actions = list(
            AuditEvent.objects.filter(subject_id=str(supplier.pk))
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions[-3:] == [
        "supplier.bank_account_requested",
        "supplier.bank_account_callback_recorded",
        "supplier.bank_account_approved",
    ]


def test_whoever_entered_the_details_cannot_verify_them(
    sorg: Any, in_tenant: Any, make_user: Any
) -> None:
    clerk_buyer = make_user(sorg.tenant, "clerkbuyer", ["ap_clerk", "buyer"])
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        Supplier.objects.filter(pk=supplier.pk).update(phone="+49 30 555 0000")
        account = bank_account_add(
            actor=clerk_buyer,
            supplier_id=supplier.pk,
            data={"account_holder": "T", "iban": IBAN},
        )
        from apps.controls.refusals import SoDViolation

        with pytest.raises(SoDViolation):
            bank_account_record_callback(
                actor=clerk_buyer, account_id=account.pk, confirmed=True, note="me"
            )
        bank_account_record_callback(
            actor=sorg.clerk, account_id=account.pk, confirmed=True, note="AR lead"
        )
        with pytest.raises(SoDViolation):
            bank_account_approve(actor=clerk_buyer, account_id=account.pk)


def test_callback_uses_the_number_on_file_not_one_from_the_request(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    supplier, _user, body = _pending(sorg, in_tenant, api_for)
    # the supplier changes its phone after asking for the bank change
    with in_tenant(sorg.tenant):
        Supplier.objects.filter(pk=supplier.pk).update(phone="+1 999 999 9999")
    response = api_for(sorg.tenant, sorg.clerk).post(
        f"/api/v1/bank-accounts/{body['id']}/callback/",
        {"confirmed": True, "note": "ok", "phone": "+1 999 999 9999"},
        format="json",
    )
    assert response.status_code == 200
    with in_tenant(sorg.tenant):
        from apps.audit.models import AuditEvent

        event = AuditEvent.objects.filter(action="supplier.bank_account_callback_recorded").latest(
            "id"
        )
    assert event.data["phone_called"] == "+49 30 555 0000"


def test_no_phone_on_file_means_no_callback(sorg: Any, in_tenant: Any) -> None:
    from apps.controls.refusals import InvalidTransition

    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        account = bank_account_add(
            actor=sorg.buyer, supplier_id=supplier.pk, data={"account_holder": "T", "iban": IBAN}
        )
        with pytest.raises(InvalidTransition):
            bank_account_record_callback(
                actor=sorg.clerk, account_id=account.pk, confirmed=True, note="x"
            )


def test_numbers_are_encrypted_at_rest_and_never_shown_unmasked(
    sorg: Any, in_tenant: Any, api_for: Any, client: Any
) -> None:
    supplier, user, body = _pending(sorg, in_tenant, api_for)
    digits = IBAN[4:]
    with in_tenant(sorg.tenant):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM suppliers_bankaccount")
            assert not any(digits in str(value) for row in cursor.fetchall() for value in row)
        stored = BankAccount.objects.get(pk=body["id"])
        assert decrypt(stored.number_encrypted) == IBAN

    host = sorg.tenant.domains.get(is_primary=True).domain
    seen: list[str] = []
    for actor in (sorg.buyer, sorg.clerk, user):
        api = api_for(sorg.tenant, actor)
        for url in (
            f"/api/v1/suppliers/{supplier.pk}/",
            f"/api/v1/suppliers/{supplier.pk}/bank-accounts/",
            "/api/v1/bank-accounts/",
            "/api/v1/suppliers/",
        ):
            response = api.get(url)
            seen.append(response.content.decode())
        client.force_login(actor)
        for page in (f"/suppliers/{supplier.pk}/", "/supplier-portal/", "/suppliers/"):
            seen.append(client.get(page, HTTP_HOST=host).content.decode())
    assert any("3000" in text for text in seen), "the masked last four should show"
    for text in seen:
        assert IBAN not in text and digits not in text and "DE89 3704" not in text


def test_key_rotation_reencrypts(sorg: Any, in_tenant: Any, api_for: Any, settings: Any) -> None:
    from cryptography.fernet import Fernet

    _supplier, _user, body = _pending(sorg, in_tenant, api_for)
    with in_tenant(sorg.tenant):
        before = BankAccount.objects.get(pk=body["id"]).number_encrypted
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    with in_tenant(sorg.tenant):
        after = BankAccount.objects.get(pk=body["id"]).number_encrypted
        assert after != before
        assert decrypt(after) == IBAN


def test_the_bank_verification_page_shows_a_refusal_on_the_suppliers_bank_section(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    """The page answers the service's refusal as a message on the supplier's bank section; an
    action it does not know, or an account that is not there, is 404."""
    supplier, _user, body = _pending(sorg, in_tenant, api_for)
    web = api_for(sorg.tenant)
    with in_tenant(sorg.tenant):
        web.force_login(sorg.compliance)
    url = f"/suppliers/bank-accounts/{body['id']}"
    early = web.post(f"{url}/approve/", {"comment": "", "confirmation": "given"})
    assert (early.status_code, early["Location"]) == (302, f"/suppliers/{supplier.pk}/#bank")
    shown = web.get(early["Location"]).content.decode()
    assert "Record the call-back before approving." in shown
    with in_tenant(sorg.tenant):
        assert BankAccount.objects.get(pk=body["id"]).status == "pending_verification"
    assert web.post(f"{url}/bogus/").status_code == 404
    gone = "/suppliers/bank-accounts/00000000-0000-4000-8000-000000000000/approve/"
    assert web.post(gone, {"confirmation": "given"}).status_code == 404
