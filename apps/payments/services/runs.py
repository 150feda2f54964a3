"""Paying approved invoices: a proposal by due date that captures early-payment discounts,
release by an AP manager outside the invoice's approval and the supplier's bank changes
(segregation of duties), export as ISO 20022 pain.001 and CSV, and confirmation as paid."""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.mfa.stepup import fresh_factor_required
from apps.accounts.models import User
from apps.controls.csvfiles import CsvWriter
from apps.controls.entities import entity_allowed, require_entity
from apps.controls.guards import require
from apps.controls.refusals import (
    ApplicationError,
    InvalidTransition,
    NotFound,
    SoDViolation,
)
from apps.controls.transitions import move_status
from apps.events.services import event_record, records_sod_refusals
from apps.invoices.models import CENT, Invoice
from apps.invoices.rules import policy_section
from apps.invoices.services.announcements import invoice_payload
from apps.procurement.services.numbers import next_number
from apps.suppliers.models import BankAccount

from ..bank_days import next_bank_day
from ..models import Payment, PaymentRun
from ..pain001 import credit_transfer
from ..selectors import payee_accounts
from ..sod import sod_conflicts


class NoBankAccount(ApplicationError):
    status = 409
    code = "no_bank_account"


class BankAccountHeld(ApplicationError):
    status = 409
    code = "bank_account_shared"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def payable_now(invoice: Invoice, on: date) -> tuple[Decimal, Decimal]:
    """(amount to pay, discount taken): the discount holds until its date."""
    if invoice.discount_percent and invoice.discount_until and on <= invoice.discount_until:
        discount = _money(invoice.payable * invoice.discount_percent / 100)
        return invoice.payable - discount, discount
    return invoice.payable, Decimal("0")


def proposal_candidates(on: date | None = None, horizon_days: int | None = None) -> list[Invoice]:
    """Approved invoices not in a live run, due within the horizon or with a discount that
    would be lost by waiting; earliest due first."""
    on = on or timezone.localdate()
    if horizon_days is None:
        horizon_days = int(policy_section()[1]["invoices"]["payment_horizon_days"])
    until = on + timedelta(days=horizon_days)
    return list(
        Invoice.objects.filter(status=Invoice.Status.APPROVED, kind=Invoice.Kind.INVOICE)
        .exclude(payments__run__status__in=[PaymentRun.Status.PROPOSED, PaymentRun.Status.RELEASED])
        .filter(Q(due_date__lte=until) | Q(discount_until__gte=on, discount_until__lte=until))
        .select_related("supplier", "purchase_order__legal_entity")
        .order_by("due_date", "created_at")
    )


@transaction.atomic
def payment_proposal_create(*, actor: User, on: date | None = None) -> list[PaymentRun]:
    """One run per legal entity and currency, from what is due (of the actor's legal
    entities)."""
    require(actor, "accounts.process_invoices")
    on = on or timezone.localdate()
    groups: dict[tuple[Any, str], list[Invoice]] = defaultdict(list)
    for invoice in proposal_candidates(on):
        if invoice.purchase_order is None:
            continue  # an approved invoice without an order has no paying entity yet
        if not entity_allowed(actor, invoice.purchase_order.legal_entity.code):
            continue  # an actor limited to legal entities proposes only theirs
        groups[(invoice.purchase_order.legal_entity_id, invoice.currency)].append(invoice)
    runs = []
    for (entity_id, currency), invoices in groups.items():
        run = PaymentRun.objects.create(
            number=next_number("payment_run", "PAY-"),
            legal_entity_id=entity_id,
            currency=currency,
            execution_date=next_bank_day(currency, on + timedelta(days=1)),
            proposed_by=actor,
        )
        payments = []
        for invoice in invoices:
            amount, discount = payable_now(invoice, run.execution_date)
            payments.append(Payment(run=run, invoice=invoice, amount=amount, discount=discount))
        Payment.objects.bulk_create(payments)
        run.total = sum((p.amount for p in payments), Decimal("0"))
        run.discount_total = sum((p.discount for p in payments), Decimal("0"))
        run.save(update_fields=["total", "discount_total"])
        event_record(
            actor=actor,
            action="payment_run.proposed",
            subject_type="payment_run",
            subject_id=run.pk,
            after={
                "number": run.number,
                "total": run.total,
                "currency": currency,
                "invoices": [str(i.pk) for i in invoices],
                "discount": run.discount_total,
            },
            payload=run_payload(run),
        )
        runs.append(run)
    return runs


def _locked_run(run_id: Any, actor: Any) -> PaymentRun:
    """The run under its row lock; one of a legal entity outside the actor's is not found."""
    run = (
        PaymentRun.objects.select_for_update(of=("self",))
        .select_related("legal_entity")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound()
    require_entity(actor, run.legal_entity.code)
    return run


def run_payload(run: PaymentRun, **extra: Any) -> dict[str, Any]:
    """What every payment-run event type carries (docs/events.md)."""
    return {
        "id": run.pk,
        "number": run.number,
        "legal_entity": run.legal_entity.code,
        "currency": run.currency,
        "total": run.total,
        "invoices": run.payments.count(),
        **extra,
    }


@records_sod_refusals("payment_run.release_refused", "payment_run", "run_id")
@transaction.atomic
def payment_run_release(*, actor: User, run_id: Any) -> PaymentRun:
    require(actor, "accounts.release_payments", detail=_("Releasing payments needs an AP manager."))
    run = _run_releasable(actor, run_id)
    account = getattr(run.legal_entity, "paying_account", None)
    if account is None:
        raise NoBankAccount(_("No paying bank account is set for %s.") % run.legal_entity.code)
    payments = list(
        run.payments.select_related("invoice__supplier").select_for_update(of=("self",))
    )
    active = _payee_accounts_cleared(payments)
    factor = fresh_factor_required(actor)  # step-up: a code of the last 5 minutes
    for payment in payments:
        payment.bank_account = active[payment.invoice.supplier_id]
    Payment.objects.bulk_update(payments, ["bank_account"])
    move_status(run, PaymentRun.Status.RELEASED, noun=_("payment run"))
    run.released_by, run.released_at = actor, timezone.now()
    # a run proposed days ago, or over a holiday, executes on the next bank day from today
    run.execution_date = next_bank_day(
        run.currency, max(run.execution_date, timezone.localdate() + timedelta(days=1))
    )
    run.pain001 = credit_transfer(run, account, payments)
    run.pain001_sha256 = hashlib.sha256(run.pain001.encode()).hexdigest()
    run.save(
        update_fields=[
            "status",
            "released_by",
            "released_at",
            "execution_date",
            "pain001",
            "pain001_sha256",
        ]
    )
    event_record(
        actor=actor,
        action="payment_run.released",
        subject_type="payment_run",
        subject_id=run.pk,
        after={
            "number": run.number,
            "total": run.total,
            "currency": run.currency,
            "pain001_sha256": run.pain001_sha256,
        },
        data=factor or None,
        payload=run_payload(run, released_by=actor.email),
    )
    return run


def _run_releasable(actor: User, run_id: Any) -> PaymentRun:
    """The run, locked, if this actor may release it: of the actor's legal entities, still
    proposed, and released by someone outside its invoices' approval and bank changes."""
    run = (
        PaymentRun.objects.select_for_update()
        .select_related("legal_entity")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound()
    require_entity(actor, run.legal_entity.code)
    if run.status != PaymentRun.Status.PROPOSED:
        raise InvalidTransition(_("Only a proposed run is released."))
    conflicts = sod_conflicts(actor, run)
    if conflicts:  # audited by records_sod_refusals once this transaction has rolled back
        raise SoDViolation(
            _("Another AP manager must release this run: %s.") % "; ".join(conflicts)
        )
    return run


def _payee_accounts_cleared(payments: list[Payment]) -> dict[Any, BankAccount]:
    """Each payee's verified bank account, by supplier; refused while a payee has none or its
    account is also another supplier's and compliance has not cleared it."""
    active = payee_accounts([p.invoice.supplier_id for p in payments])
    missing = sorted(
        {p.invoice.supplier.name for p in payments if p.invoice.supplier_id not in active}
    )
    if missing:
        raise NoBankAccount(_("No verified bank account for: %s.") % ", ".join(missing))
    shared = sorted(
        {p.invoice.supplier.name for p in payments if active[p.invoice.supplier_id].sharing_open}
    )
    if shared:
        raise BankAccountHeld(
            _("Held: the bank account of %s is also another supplier's; compliance clears it.")
            % ", ".join(shared)
        )
    return active


def payment_run_csv(run: PaymentRun) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(
        [
            "run",
            "invoice_number",
            "supplier",
            "due_date",
            "currency",
            "amount",
            "discount",
            "account",
        ]
    )
    for payment in run.payments.select_related("invoice__supplier", "bank_account"):
        account = payment.bank_account
        writer.writerow(
            [
                run.number,
                payment.invoice.invoice_number,
                payment.invoice.supplier.name,
                payment.invoice.due_date,
                run.currency,
                payment.amount,
                payment.discount,
                f"•••• {account.last4}" if account else "",
            ]
        )
    return out.getvalue()


@transaction.atomic
def payment_run_confirm(*, actor: User, run_id: Any, reference: str = "") -> PaymentRun:
    """The bank or ERP says the run was paid (API callback) or an AP manager confirms it."""
    require(actor, "accounts.release_payments")
    run = _locked_run(run_id, actor)
    move_status(run, PaymentRun.Status.PAID, noun=_("payment run"))
    run.paid_at, run.confirmed_by = timezone.now(), f"{actor.email} {reference}".strip()[:200]
    run.save(update_fields=["status", "paid_at", "confirmed_by"])
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .filter(payments__run=run)
    )
    paid = dict(run.payments.values_list("invoice_id", "amount"))
    # an invoice the ERP reported paid meanwhile (`payment.executed`), or a bank statement
    # confirmed already, is paid already
    invoices = [invoice for invoice in invoices if invoice.status != Invoice.Status.PAID]
    event_record(
        actor=actor,
        action="payment_run.paid",
        subject_type="payment_run",
        subject_id=run.pk,
        data={"reference": reference, "invoices": [str(i.pk) for i in invoices]},
        payload=run_payload(run),
    )
    invoices_paid(
        actor=actor,
        paid=[(invoice, run.number, paid[invoice.pk]) for invoice in invoices],
        reference=reference,
        at=run.paid_at,
    )
    return run


def invoices_paid(
    *, actor: Any, paid: list[tuple[Invoice, str, Decimal]], reference: str, at: Any
) -> None:
    """The invoices (locked by the caller) become `paid`, each announced (`invoice.paid`) with
    the run that paid it and the amount: a run's confirmation, or a bank statement's entries."""
    for invoice, _run, _amount in paid:
        move_status(invoice, Invoice.Status.PAID, noun=_("invoice"))
        invoice.paid_at = at
    Invoice.objects.bulk_update([invoice for invoice, _r, _a in paid], ["status", "paid_at"])
    for invoice, run_number, amount in paid:
        event_record(
            actor=actor,
            action="invoice.paid",
            subject_type="invoice",
            subject_id=invoice.pk,
            data={"run": run_number, "reference": reference},
            payload=invoice_payload(invoice, payment_run=run_number, amount=amount),
        )


@transaction.atomic
def payment_run_cancel(*, actor: User, run_id: Any) -> PaymentRun:
    require(actor, "accounts.process_invoices")
    run = _locked_run(run_id, actor)
    move_status(run, PaymentRun.Status.CANCELLED, noun=_("payment run"))
    run.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="payment_run.cancelled",
        subject_type="payment_run",
        subject_id=run.pk,
        payload=run_payload(run),
    )
    return run


def payment_runs_drop(*, source: str, invoice: Invoice) -> list[str]:
    """An invoice paid outside a payment run (the ERP reports it) leaves every run still only
    proposed, so releasing one never pays it twice; a run left empty is cancelled. Answers the
    numbers of the runs it left. Runs already released are the bank's business: their
    confirmation skips what is paid already."""
    left = []
    for run in PaymentRun.objects.select_for_update().filter(
        status=PaymentRun.Status.PROPOSED, payments__invoice=invoice
    ):
        Payment.objects.filter(run=run, invoice=invoice).delete()
        remaining = list(run.payments.all())
        run.total = sum((p.amount for p in remaining), Decimal("0"))
        run.discount_total = sum((p.discount for p in remaining), Decimal("0"))
        fields = ["total", "discount_total"]
        if not remaining:
            move_status(run, PaymentRun.Status.CANCELLED, noun=_("payment run"))
            fields.append("status")
        run.save(update_fields=fields)
        event_record(
            actor=source,
            action="payment_run.cancelled" if not remaining else "payment_run.invoice_dropped",
            subject_type="payment_run",
            subject_id=run.pk,
            data={"invoice": str(invoice.pk), "reason": "paid outside the run"},
            payload=run_payload(run) if not remaining else None,
        )
        left.append(run.number)
    return left
