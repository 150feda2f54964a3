"""Segregation of duties on release: an AP manager may not release a payment run paying an
invoice they approved (or whose exception they waved through), nor a supplier whose bank
details they entered, verified or approved. One rule, read two ways: the conflicts of one run
(the release's refusal names them) and the runs an actor may not release (the home desk
leaves them to another AP manager)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.invoices.models import Invoice, InvoiceException
from apps.suppliers.models import BankAccount
from apps.workflow.models import ApprovalTask

from .models import Payment, PaymentRun

# resolutions that let an invoice through its exception: deciding one is approving the invoice
WAVED_THROUGH = ["accept_variance", "override", "release_duplicate"]


def _invoices_decided_by(actor: User) -> QuerySet[Invoice]:
    """Invoices the actor approved, decided an approval task of, or waved through."""
    tasks = ApprovalTask.objects.filter(
        subject_type="invoice", assignee=actor, status=ApprovalTask.Status.APPROVED
    ).values("subject_id")
    waved = InvoiceException.objects.filter(resolved_by=actor, resolution__in=WAVED_THROUGH).values(
        "invoice_id"
    )
    return Invoice.objects.annotate(key=Cast("pk", CharField())).filter(
        Q(approved_by=actor) | Q(key__in=tasks) | Q(pk__in=waved)
    )


def _bank_details_handled_by(actor: User) -> QuerySet[BankAccount]:
    return BankAccount.objects.filter(
        Q(requested_by=actor) | Q(callback_by=actor) | Q(decided_by=actor)
    )


def sod_conflicts(actor: User, run: PaymentRun) -> list[str]:
    """Why this actor may not release this run ([] when they may)."""
    invoices = (
        _invoices_decided_by(actor)
        .filter(payments__run=run)
        .values_list("invoice_number", flat=True)
        .distinct()
    )
    suppliers = run.payments.values("invoice__supplier_id")
    touched = (
        _bank_details_handled_by(actor)
        .filter(supplier_id__in=suppliers)
        .values_list("supplier__name", flat=True)
        .distinct()
    )
    return [_("you approved invoice %s") % number for number in sorted(invoices)] + [
        _("you handled the bank details of %s") % name for name in sorted(touched)
    ]


def sod_barred_q(actor: User) -> Any:
    """On payment runs: those this actor may not release (in one query, whatever their
    number)."""
    payments = Payment.objects.filter(run=OuterRef("pk"))
    return Exists(payments.filter(invoice__in=_invoices_decided_by(actor).values("pk"))) | Exists(
        payments.filter(
            invoice__supplier_id__in=_bank_details_handled_by(actor).values("supplier_id")
        )
    )
