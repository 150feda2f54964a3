"""The daily reconciliation of what Spendgate approved and paid with what the ERP reported
(docs/integrations.md). It runs only where an ERP is connected, over the legal entities the
connections cover; each mismatch is an exception in AP's queue, raised once per invoice and
code (daily runs do not pile them up, and what AP settled is not raised again), and the run is
kept as a report.

- `erp_not_posted`: approved more than ERP_POSTING_GRACE_HOURS ago, never posted;
- `erp_payment_unconfirmed`: paid by a payment run more than the grace ago, and the ERP's
  payments do not add up to it;
- `erp_payment_unapproved`: the ERP paid an invoice Spendgate has not approved."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.events.services import event_record
from apps.invoices.models import Invoice
from apps.invoices.rules import policy_section
from apps.invoices.services.erp import exception_raise_for_erp
from apps.payments.models import ErpPayment, Payment, PaymentRun

from ..models import ErpConnection, ReconciliationRun

SOURCE = "system:erp-reconciliation"


def _covered() -> Q | None:
    """Invoices the connected ERPs answer for; None when no ERP is connected."""
    connections = list(ErpConnection.objects.filter(enabled=True))
    if not connections:
        return None
    if any(not c.legal_entities for c in connections):
        return Q()
    codes = sorted({code for c in connections for code in c.legal_entities})
    return Q(purchase_order__legal_entity__code__in=codes)


def _total(rows: QuerySet[Any]) -> Subquery:
    """The sum of `amount` over `rows` (filtered by the outer invoice), as a subquery."""
    return Subquery(
        rows.values("invoice").annotate(total=Sum("amount")).values("total"),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def _findings(scope: Q, cutoff: Any) -> list[tuple[str, QuerySet[Invoice], Any]]:
    invoices = Invoice.objects.filter(scope, kind=Invoice.Kind.INVOICE).select_related("supplier")
    unposted = invoices.filter(
        status__in=(Invoice.Status.APPROVED, Invoice.Status.PAID),
        approved_at__lt=cutoff,
        posted_at__isnull=True,
    )
    unconfirmed = (
        invoices.filter(status=Invoice.Status.PAID, paid_at__lt=cutoff)
        .annotate(
            # what the ERP paid in the invoice's currency, against what paid runs paid (less a
            # discount taken; apps.payments.services.erp.amount_due) or else the payable amount
            erp_paid=Coalesce(
                _total(
                    ErpPayment.objects.filter(invoice=OuterRef("pk"), currency=OuterRef("currency"))
                ),
                Value(Decimal("0")),
            ),
            due=Coalesce(
                _total(
                    Payment.objects.filter(
                        invoice=OuterRef("pk"), run__status=PaymentRun.Status.PAID
                    )
                ),
                F("payable"),
            ),
        )
        .filter(erp_paid__lt=F("due"))
    )
    unapproved = invoices.filter(erp_payments__isnull=False).exclude(
        status__in=(Invoice.Status.APPROVED, Invoice.Status.PAID)
    )
    return [
        (
            "erp_not_posted",
            unposted,
            lambda i: (
                _("Approved %(at)s and not posted by the ERP.")
                % {"at": i.approved_at.date().isoformat()}
            ),
        ),
        (
            "erp_payment_unconfirmed",
            unconfirmed,
            lambda i: (
                _("Paid %(at)s; the ERP has confirmed %(erp)s of %(payable)s %(cur)s.")
                % {
                    "at": i.paid_at.date().isoformat(),
                    "erp": i.erp_paid,
                    "payable": i.due,
                    "cur": i.currency,
                }
            ),
        ),
        (
            "erp_payment_unapproved",
            unapproved.distinct(),
            lambda i: (
                _("The ERP paid this invoice while it is %s.") % i.get_status_display().lower()
            ),
        ),
    ]


def reconcile(now: Any = None) -> ReconciliationRun | None:
    """One run (a report even when nothing is wrong); None where no ERP is connected."""
    scope = _covered()
    if scope is None:
        return None
    now = now or timezone.now()
    grace = int(settings.ERP_POSTING_GRACE_HOURS)
    run = ReconciliationRun.objects.create(started_at=now, grace_hours=grace)
    cutoff = now - timedelta(hours=grace)
    counts: dict[str, int] = {}
    mismatches: list[dict[str, Any]] = []
    checked = Invoice.objects.filter(
        scope, status__in=(Invoice.Status.APPROVED, Invoice.Status.PAID)
    ).count()
    policy = policy_section()  # read once for the run, not once per mismatch
    for code, found, detail in _findings(scope, cutoff):
        counts[code] = 0
        for invoice in found.order_by("pk").iterator(chunk_size=500):
            with transaction.atomic():
                raised = exception_raise_for_erp(
                    source=SOURCE,
                    invoice=invoice,
                    code=code,
                    detail=detail(invoice),
                    data={"run": str(run.pk)},
                    once=True,
                    policy=policy,
                )
            mismatches.append(
                {
                    "invoice": str(invoice.pk),
                    "number": invoice.invoice_number,
                    "supplier": invoice.supplier.name,
                    "code": code,
                    "new": raised is not None,
                }
            )
            counts[code] += raised is not None
    run.finished_at, run.checked, run.counts, run.mismatches = (
        timezone.now(),
        checked,
        counts,
        mismatches,
    )
    with transaction.atomic():
        run.save(update_fields=["finished_at", "checked", "counts", "mismatches"])
        event_record(
            actor=SOURCE,
            action="erp.reconciled",
            subject_type="reconciliation_run",
            subject_id=run.pk,
            data={"mismatches": len(mismatches), "new_exceptions": counts, "grace_hours": grace},
        )
    return run
