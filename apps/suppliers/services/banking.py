"""Bank-change control: a new or changed account stays `pending_verification` until one
person records a call-back on the supplier's number on file and a different person approves.
Account numbers are encrypted at rest and shown masked (last 4 characters) everywhere."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.mfa.stepup import fresh_factor_required
from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import (
    InvalidTransition,
    NotFound,
    SoDViolation,
    ValidationFailed,
)
from apps.controls.transitions import move_status
from apps.events.services import event_record, records_sod_refusals

from ..models import BankAccount, Supplier
from ..secrets import encrypt, fingerprint
from ..validation import check_bank_details
from .access import locked, locked_for
from .checks import checks_later
from .notices import notify


def _transition(account: BankAccount, to: str) -> None:
    move_status(account, to, noun=_("bank account"))


def _audit(
    actor: Any, account: BankAccount, action: str, *, announce: Any = (), **data: Any
) -> None:
    event_record(
        actor=actor,
        action=f"supplier.bank_account_{action}",
        subject_type="supplier",
        subject_id=account.supplier_id,
        data={
            "bank_account": str(account.pk),
            "account": account.masked,
            "scheme": account.scheme,
            "bank_country": account.bank_country,
            "status": account.status,
            **data,
        },
        announce=announce,
    )


@transaction.atomic
def bank_account_add(*, actor: User, supplier_id: Any, data: dict[str, Any]) -> BankAccount:
    supplier = locked_for(actor, supplier_id)
    if supplier.status in (Supplier.Status.BLOCKED, Supplier.Status.REJECTED):
        raise InvalidTransition(_("This supplier is %s.") % supplier.get_status_display().lower())
    holder = (data.get("account_holder") or "").strip()
    try:
        details = check_bank_details(data)
    except ValueError as exc:
        errors = dict(exc.args[0])
        if not holder:
            errors["account_holder"] = [_("Give the account holder's name.")]
        raise ValidationFailed(errors=errors) from exc
    if not holder:
        raise ValidationFailed(errors={"account_holder": [_("Give the account holder's name.")]})
    print_ = fingerprint(details.scheme, details.number, details.routing_number)
    shared_with = _same_account_elsewhere(supplier, print_)
    account = BankAccount.objects.create(
        supplier=supplier,
        account_holder=holder[:200],
        number_encrypted=encrypt(details.number),
        last4=details.number[-4:],
        scheme=details.scheme,
        routing_number=details.routing_number,
        bic=details.bic,
        bank_country=details.bank_country,
        requested_by=actor,
        callback_phone=supplier.phone,
        fingerprint=print_,
        shared_with=shared_with,
    )
    _audit(
        actor,
        account,
        "requested",
        holder=account.account_holder,
        bic=account.bic,
        shared_with=shared_with,
    )
    if shared_with:
        _tell_compliance_of_sharing(actor, supplier, account)
    verifiers = Group.objects.filter(name__in=["ap_clerk", "compliance"])
    notify(
        list(
            User.objects.filter(groups__in=verifiers, is_active=True)
            .exclude(pk=actor.pk)
            .distinct()
        ),
        kind="supplier.bank_change",
        message=lambda: (
            _("New bank details for %(s)s (%(a)s) wait for a call-back and approval.")
            % {"s": supplier.name, "a": account.masked}
        ),
        supplier=supplier,
    )
    checks_later(supplier.pk)
    return account


def _same_account_elsewhere(supplier: Supplier, print_: str) -> list[dict[str, str]]:
    """Other suppliers holding this very account (pending or active): a classic fraud
    pattern (an employee's or another vendor's account slipped onto a supplier). Entries of
    the same account are serialised, so two suppliers entering it at once both see it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"bank:{print_}"])
    others = (
        BankAccount.objects.filter(
            fingerprint=print_,
            status__in=[BankAccount.Status.PENDING_VERIFICATION, BankAccount.Status.ACTIVE],
        )
        .exclude(supplier=supplier)
        .select_related("supplier")
        .order_by("supplier__name")
    )
    return [
        {"supplier": str(o.supplier_id), "name": o.supplier.name, "account": o.masked}
        for o in others
    ]


def _tell_compliance_of_sharing(actor: User, supplier: Supplier, account: BankAccount) -> None:
    officers = User.objects.filter(groups__name="compliance", is_active=True).exclude(pk=actor.pk)
    notify(
        list(officers.distinct()),
        kind="supplier.bank_shared",
        message=lambda: (
            _(
                "The bank account %(a)s entered for %(s)s is also on file for %(o)s; its invoices "
                "and payments are held until you clear it."
            )
            % {
                "a": account.masked,
                "s": supplier.name,
                "o": ", ".join(o["name"] for o in account.shared_with),
            }
        ),
        supplier=supplier,
    )


@transaction.atomic
def bank_account_sharing_clear(*, actor: User, account_id: Any, note: str) -> BankAccount:
    """Compliance has looked into an account shared with another supplier (a parent company,
    a factoring bank) and lets invoices and payments to it go on; the note says why."""
    require(
        actor,
        "accounts.review_screening",
        detail=_("Clearing a shared bank account needs compliance."),
    )
    account = BankAccount.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound()
    if not account.sharing_open:
        raise InvalidTransition(_("This bank account has no sharing to clear."))
    if not (note or "").strip():
        raise ValidationFailed(errors={"note": [_("Say why this shared account is in order.")]})
    account.sharing_cleared_by, account.sharing_cleared_at = actor, timezone.now()
    account.sharing_note = note.strip()[:300]
    account.save(update_fields=["sharing_cleared_by", "sharing_cleared_at", "sharing_note"])
    _audit(actor, account, "sharing_cleared", note=account.sharing_note)
    checks_later(account.supplier_id)
    return account


def _locked_account(actor: User, account_id: Any) -> BankAccount:
    require(actor, "accounts.verify_bank_details")
    account = BankAccount.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound()
    return account


@records_sod_refusals("supplier.bank_account_refused", "bank_account", "account_id")
@transaction.atomic
def bank_account_record_callback(
    *, actor: User, account_id: Any, confirmed: bool, note: str
) -> BankAccount:
    """Record the call-back made to the number on file when the change was requested; a
    number given in the request itself is never used."""
    account = _locked_account(actor, account_id)
    if account.status != BankAccount.Status.PENDING_VERIFICATION:
        raise InvalidTransition(_("These bank details are not waiting for verification."))
    if account.callback_at is not None:
        raise InvalidTransition(_("A call-back was already recorded."))
    if actor.pk == account.requested_by_id:
        raise SoDViolation(_("You entered these bank details; someone else verifies them."))
    if not account.callback_phone:
        raise InvalidTransition(
            _(
                "No telephone number was on file when the change was requested; reject it and "
                "have the supplier's number confirmed first."
            )
        )
    if not (note or "").strip():
        raise ValidationFailed(
            errors={"note": [_("Say whom you spoke to and what they confirmed.")]}
        )
    account.callback_by, account.callback_at = actor, timezone.now()
    account.callback_note = note.strip()[:300]
    update = ["callback_by", "callback_at", "callback_note"]
    if not confirmed:
        _transition(account, BankAccount.Status.REJECTED)
        account.decided_by, account.decided_at = actor, account.callback_at
        account.decision_comment = _("call-back did not confirm the details")
        update += ["status", "decided_by", "decided_at", "decision_comment"]
    account.save(update_fields=update)
    _audit(
        actor,
        account,
        "callback_recorded",
        phone_called=account.callback_phone,
        confirmed=confirmed,
        note=account.callback_note,
    )
    if not confirmed:
        checks_later(account.supplier_id)
    return account


@records_sod_refusals("supplier.bank_account_refused", "bank_account", "account_id")
@transaction.atomic
def bank_account_approve(*, actor: User, account_id: Any, comment: str = "") -> BankAccount:
    account = _locked_account(actor, account_id)
    if account.status != BankAccount.Status.PENDING_VERIFICATION:
        raise InvalidTransition(_("These bank details are not waiting for approval."))
    if account.callback_at is None:
        raise InvalidTransition(_("Record the call-back before approving."))
    if actor.pk in (account.callback_by_id, account.requested_by_id):
        raise SoDViolation(
            _("You entered or verified these bank details; a different person approves them.")
        )
    factor = fresh_factor_required(actor)  # step-up: a code of the last 5 minutes
    supplier = locked(account.supplier_id)
    now = timezone.now()
    replaced, replaced_ids = [], []
    for old in BankAccount.objects.select_for_update().filter(
        supplier=supplier, status=BankAccount.Status.ACTIVE
    ):
        _transition(old, BankAccount.Status.SUPERSEDED)
        old.save(update_fields=["status"])
        replaced.append(old.masked)
        replaced_ids.append(old.pk)
    _transition(account, BankAccount.Status.ACTIVE)
    account.decided_by, account.decided_at = actor, now
    account.decision_comment = (comment or "").strip()[:300]
    account.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if replaced:  # the first account is not a change; replacing one is
        supplier.bank_changed_at = now
        supplier.save(update_fields=["bank_changed_at"])
    activated = {
        "id": account.pk,
        "supplier": supplier.pk,
        "supplier_name": supplier.name,
        "account": account.masked,
        "account_holder": account.account_holder,
        "replaces": replaced_ids,
    }
    _audit(
        actor,
        account,
        "approved",
        replaced=replaced,
        comment=account.decision_comment,
        announce=[("bank_account.activated", activated)],
        **factor,
    )
    checks_later(supplier.pk)
    return account


@transaction.atomic
def bank_account_reject(*, actor: User, account_id: Any, comment: str) -> BankAccount:
    account = _locked_account(actor, account_id)
    if not (comment or "").strip():
        raise ValidationFailed(errors={"comment": [_("Say why you reject the bank details.")]})
    _transition(account, BankAccount.Status.REJECTED)
    account.decided_by, account.decided_at = actor, timezone.now()
    account.decision_comment = comment.strip()[:300]
    account.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    _audit(actor, account, "rejected", comment=account.decision_comment)
    checks_later(account.supplier_id)
    return account
