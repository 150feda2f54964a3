"""A bank account already on file for another supplier is flagged when it is entered, raises a
risk reason and an exception, and holds payment release until compliance clears it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction

from apps.accounts.services import user_ensure
from apps.controls.refusals import PermissionRefused
from apps.payments.bank_days import is_bank_day, next_bank_day
from apps.payments.models import PaymentRun
from apps.payments.services.runs import BankAccountHeld, payment_run_release
from apps.suppliers.models import BankAccount, SupplierCheck
from apps.suppliers.services.banking import bank_account_add, bank_account_sharing_clear
from apps.suppliers.services.checks import supplier_checks_run
from apps.workflow.models import Notification
from tests import world
from tests.suppliers.conftest import complete_onboarding, invite, portal_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]


def test_the_same_account_on_another_supplier_is_flagged_at_entry(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(sorg.tenant):
        first = invite(sorg, "Tailspin Parts GmbH")
        complete_onboarding(sorg, first)  # IBAN DE89 3704 0044 0532 0130 00
        second = invite(sorg, "Wingtip Toys GmbH", email="ap@wingtip.test")
        user = portal_user(second)
        with transaction.atomic():
            shared = bank_account_add(
                actor=user,
                supplier_id=second.pk,
                data={"account_holder": "Wingtip Toys", "iban": "de89 3704 0044 0532 0130 00"},
            )
            other = bank_account_add(
                actor=user,
                supplier_id=second.pk,
                data={"account_holder": "Wingtip Toys", "iban": "DE02120300000000202051"},
            )
        assert [o["name"] for o in shared.shared_with] == ["Tailspin Parts GmbH"]
        assert shared.sharing_open and not other.shared_with
        assert Notification.objects.filter(
            user=sorg.compliance, kind="supplier.bank_shared"
        ).exists()
        checked = supplier_checks_run(supplier_id=second.pk)
        assert "bank_shared" in {r["code"] for r in checked.risk_reasons}
        bank = SupplierCheck.objects.filter(supplier=second, kind="bank").latest("ran_at")
        assert bank.outcome == "fail" and "Tailspin Parts GmbH" in bank.summary
    listed = api_for(sorg.tenant, sorg.clerk).get("/api/v1/bank-accounts/").json()["results"]
    assert {a["id"]: a["sharing_open"] for a in listed}[str(shared.pk)] is True


def _flag(account: BankAccount) -> None:
    """The payee's active account was entered while another supplier held it."""
    BankAccount.objects.filter(pk=account.pk).update(
        shared_with=[{"supplier": "x", "name": "Northwind Traders", "account": account.masked}]
    )


def test_a_shared_account_holds_invoices_and_release_until_compliance_clears(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any
) -> None:
    compliance = make_user(aporg.tenant, "officer", ["compliance"])
    with in_tenant(aporg.tenant):
        run = world.proposed_run(aporg, receive)
        account = aporg.supplier.bank_accounts.get(status="active")
        _flag(account)
        held = world.invoice(aporg, receive, number="SHARED-2")
        codes = set(held.exceptions.values_list("code", flat=True))
        assert "bank_account_shared" in codes and held.status == "exception"
        releaser = user_ensure(
            email="releaser@a.test", password="x-pass-2026!", roles=["ap_manager"]
        )
        with pytest.raises(BankAccountHeld, match="compliance clears it"), transaction.atomic():
            payment_run_release(actor=releaser, run_id=run.pk)
        assert PaymentRun.objects.get(pk=run.pk).status == "proposed"
        with pytest.raises(PermissionRefused), transaction.atomic():
            bank_account_sharing_clear(actor=aporg.clerk, account_id=account.pk, note="ok")
        with transaction.atomic():
            bank_account_sharing_clear(
                actor=compliance, account_id=account.pk, note="Parent company pays for both"
            )
        released = payment_run_release(actor=releaser, run_id=run.pk)
        assert released.status == "released"
        assert is_bank_day(released.currency, released.execution_date)


def test_release_confirmation_shows_each_payee_and_needs_the_shown_total(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    releaser = make_user(aporg.tenant, "releaser", ["ap_manager"])
    with in_tenant(aporg.tenant):
        run = world.proposed_run(aporg, receive)
    page = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        page.force_login(releaser)
    shown = page.get(f"/payments/{run.pk}/").content.decode()
    assert "•••• 4931" in shown and 'data-testid="release-confirmation"' not in shown
    confirming = page.get(f"/payments/{run.pk}/?confirm=release").content.decode()
    assert 'data-testid="release-confirmation"' in confirming
    assert aporg.supplier.name in confirming and str(run.total) in confirming
    page.post(f"/payments/{run.pk}/", {"action": "release"})  # no confirmation: nothing
    with in_tenant(aporg.tenant):
        assert PaymentRun.objects.get(pk=run.pk).status == "proposed"
    # the review's own form: the total as shown, and the confirmation it stands for
    confirmed = {"action": "release", "confirmed_total": str(run.total), "confirmation": "given"}
    page.post(f"/payments/{run.pk}/", confirmed)
    with in_tenant(aporg.tenant):
        assert PaymentRun.objects.get(pk=run.pk).status == "released"


@pytest.mark.parametrize(
    ("currency", "day", "expected"),
    [
        ("EUR", date(2026, 12, 25), date(2026, 12, 28)),  # Christmas, St Stephen's, weekend
        ("EUR", date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday and Easter Monday
        ("EUR", date(2026, 11, 29), date(2026, 11, 30)),  # a Sunday
        ("USD", date(2026, 11, 26), date(2026, 11, 27)),  # Thanksgiving
        ("USD", date(2026, 7, 3), date(2026, 7, 3)),  # the Fed opens before a Saturday holiday
        ("USD", date(2027, 7, 5), date(2027, 7, 6)),  # Sunday's holiday observed on Monday
        ("GBP", date(2026, 11, 28), date(2026, 11, 30)),  # other currencies: weekends only
    ],
)
def test_execution_dates_fall_on_bank_days(currency: str, day: date, expected: date) -> None:
    assert next_bank_day(currency, day) == expected


def test_a_proposal_never_asks_for_a_holiday(aporg: Any, receive: Any, in_tenant: Any) -> None:
    from apps.payments.services.runs import payment_proposal_create

    with in_tenant(aporg.tenant):
        world.payable(aporg, receive, "HOLIDAY-1")
        [run] = payment_proposal_create(actor=aporg.clerk, on=date(2026, 12, 24))
        # the day after is Christmas, then St Stephen's Day and a weekend (TARGET2)
        assert run.currency == "EUR" and run.execution_date == date(2026, 12, 28)
