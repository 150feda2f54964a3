"""What waits for accounts payable: invoices held by exceptions in the person's queues, the
largest value at risk first; payment runs to release and invoices falling due this week, per
currency; bank changes waiting for a call-back."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.controls.entities import within_entities
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.selectors import queues_worked
from apps.payments.models import PaymentRun
from apps.payments.sod import sod_barred_q
from apps.portal.labels import label
from apps.suppliers.models import BankAccount
from apps.tenancy.context import tenant_today

from .desk import SHOWN, Group, Row, due, per_currency, waited


def exceptions(user: User) -> list[Group]:
    queues = queues_worked(user)  # auditors and insights' readers read queues, not work them
    if not queues:
        return []
    now = timezone.now()
    open_ = Q(exceptions__queue__in=queues, exceptions__status=InvoiceException.Status.OPEN)
    held = Invoice.objects.filter(
        pk__in=InvoiceException.objects.filter(
            queue__in=queues, status=InvoiceException.Status.OPEN
        ).values("invoice_id")
    )
    sums = list(held.values("currency").annotate(n=Count("pk"), total=Sum("payable")).order_by())
    n = sum(int(row["n"]) for row in sums)
    if not n:
        return []
    late = Q(exceptions__due_at__lt=now) | Q(exceptions__escalated_at__isnull=False)
    urgent = held.filter(
        pk__in=InvoiceException.objects.filter(
            Q(due_at__lt=now) | Q(escalated_at__isnull=False),
            queue__in=queues,
            status=InvoiceException.Status.OPEN,
        ).values("invoice_id")
    ).count()
    largest = (
        held.select_related("supplier")
        .annotate(
            codes=ArrayAgg("exceptions__code", filter=open_, distinct=True, default=[]),
            late=Count("exceptions", filter=open_ & late),
            since=Min("exceptions__created_at", filter=open_),
        )
        .order_by("-payable", "invoice_number")[:SHOWN]
    )
    return [
        Group(
            "exceptions",
            ngettext(
                "%(n)d invoice held by exceptions in your queues",
                "%(n)d invoices held by exceptions in your queues",
                n,
            )
            % {"n": n},
            n,
            "/exceptions/?status=open",
            columns=(_("Invoice"), _("At risk"), _("Open for")),
            totals=per_currency(sums),
            rows=[
                Row(
                    ref=i.invoice_number,
                    title=i.supplier.name,
                    url=f"/invoices/{i.pk}/",
                    amount=i.payable,
                    currency=i.currency,
                    when=waited(i.since),
                    late=bool(i.late),
                    note=", ".join(label(code, "exception_code") for code in i.codes),
                )
                for i in largest
            ],
            urgent=urgent,
            urgent_label=_("overdue or escalated"),
        )
    ]


def payment_runs(user: User) -> list[Group]:
    """Proposed runs this person may release: of their legal entities, and none paying an
    invoice they approved or a supplier whose bank details they handled (segregation of
    duties: another AP manager releases those)."""
    groups: list[Group] = []
    proposed = within_entities(
        PaymentRun.objects.filter(status=PaymentRun.Status.PROPOSED), user
    ).exclude(sod_barred_q(user))
    sums = list(proposed.values("currency").annotate(n=Count("pk"), total=Sum("total")).order_by())
    n = sum(int(row["n"]) for row in sums)
    if n:
        runs = proposed.select_related("legal_entity").order_by("execution_date", "number")
        rows = []
        for run in runs[:SHOWN]:
            when, late = due(run.execution_date)
            rows.append(
                Row(
                    ref=run.number,
                    title=run.legal_entity.name,
                    url=f"/payments/{run.pk}/",
                    amount=run.total,
                    currency=run.currency,
                    when=when,
                    late=late,
                )
            )
        groups.append(
            Group(
                "payment_runs",
                ngettext(
                    "%(n)d payment run waiting for release",
                    "%(n)d payment runs waiting for release",
                    n,
                )
                % {"n": n},
                n,
                "/payments/",
                columns=(_("Payment run"), _("Amount"), _("Pays")),
                totals=per_currency(sums),
                rows=rows,
            )
        )
    return groups


def due_this_week(user: User) -> list[Group]:
    groups: list[Group] = []
    today = tenant_today()
    week_end = today + timedelta(days=6 - today.weekday())  # through Sunday
    # those already in a run to release are that group's
    falling_due = Invoice.objects.filter(
        status=Invoice.Status.APPROVED, due_date__isnull=False, due_date__lte=week_end
    ).exclude(payments__run__status__in=[PaymentRun.Status.PROPOSED, PaymentRun.Status.RELEASED])
    sums = list(
        falling_due.values("currency")
        .annotate(
            n=Count("pk"),
            total=Sum("payable"),
            late=Count("pk", filter=Q(due_date__lt=today)),
        )
        .order_by()
    )
    n = sum(int(row["n"]) for row in sums)
    if n:
        late_n = sum(int(row["late"]) for row in sums)
        rows = []
        for i in falling_due.select_related("supplier").order_by("due_date", "-payable")[:SHOWN]:
            when, late = due(i.due_date, today)
            rows.append(
                Row(
                    ref=i.invoice_number,
                    title=i.supplier.name,
                    url=f"/invoices/{i.pk}/",
                    amount=i.payable,
                    currency=i.currency,
                    when=when,
                    late=late,
                )
            )
        groups.append(
            Group(
                "due_this_week",
                ngettext(
                    "%(n)d invoice due this week, not yet in a payment run",
                    "%(n)d invoices due this week, not yet in a payment run",
                    n,
                )
                % {"n": n},
                n,
                "/invoices/?status=approved",
                columns=(_("Invoice"), _("Amount"), _("Due")),
                totals=per_currency(sums),
                rows=rows,
                urgent=late_n,
                urgent_label=_("past their due date"),
            )
        )
    return groups


def callbacks(user: User) -> list[Group]:
    pending = BankAccount.objects.filter(
        status=BankAccount.Status.PENDING_VERIFICATION, callback_at__isnull=True
    )
    n = pending.count()
    if not n:
        return []
    return [
        Group(
            "callbacks",
            ngettext(
                "%(n)d bank change waiting for a call-back",
                "%(n)d bank changes waiting for a call-back",
                n,
            )
            % {"n": n},
            n,
            "/suppliers/?bank=pending",
            columns=(_("Supplier"), "", _("Waiting")),
            rows=[
                Row(
                    ref=b.supplier.name,
                    title=_("account ending %(last4)s") % {"last4": b.last4},
                    url=f"/suppliers/{b.supplier_id}/",
                    when=waited(b.requested_at),
                )
                for b in pending.select_related("supplier").order_by("requested_at")[:SHOWN]
            ],
        )
    ]
