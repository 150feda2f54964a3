"""What waits for the people who ask for and order things: a requester's drafts, rejected and
waiting requisitions; a buyer's approved requisitions without a supplier, orders the supplier
has not acknowledged and suppliers to decide on; a receiver's orders to receive, late first."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.procurement.models import PurchaseOrder, Requisition
from apps.suppliers.models import Supplier
from apps.tenancy.context import tenant_today

from .desk import SHOWN, Group, Row, due, per_currency, waited

RECENTLY_REJECTED = timedelta(days=30)


def _requisition_row(r: Requisition, since: datetime | None) -> Row:
    return Row(
        ref=r.number,
        title=r.title,
        url=f"/requisitions/{r.pk}/",
        amount=r.total,
        currency=r.currency,
        when=waited(since),
    )


def _order_title(order: PurchaseOrder) -> str:
    supplier = order.supplier
    return f"{order.requisition.title} · {supplier.name}" if supplier else order.requisition.title


def requester(user: User) -> list[Group]:
    since = timezone.now() - RECENTLY_REJECTED
    mine = Requisition.objects.filter(requester=user)
    drafts = Q(status=Requisition.Status.DRAFT)
    waiting = Q(status=Requisition.Status.PENDING_APPROVAL)
    rejected = Q(status=Requisition.Status.REJECTED, decided_at__gte=since)
    sums = list(
        mine.filter(drafts | waiting | rejected)
        .values("status", "currency")
        .annotate(n=Count("pk"), total=Sum("total"))
        .order_by()
    )

    def count(status: str) -> int:
        return sum(int(row["n"]) for row in sums if row["status"] == status)

    def totals(status: str) -> list[tuple[str, Decimal]]:
        return per_currency(row for row in sums if row["status"] == status)

    groups: list[Group] = []
    n = count(Requisition.Status.REJECTED)
    if n:
        rows = mine.filter(rejected).order_by("-decided_at")[:SHOWN]
        groups.append(
            Group(
                "rejected",
                ngettext(
                    "%(n)d requisition rejected in the last 30 days",
                    "%(n)d requisitions rejected in the last 30 days",
                    n,
                )
                % {"n": n},
                n,
                "/requisitions/?status=rejected",
                columns=(_("Requisition"), _("Amount"), _("Rejected")),
                rows=[_requisition_row(r, r.decided_at) for r in rows],
            )
        )
    n = count(Requisition.Status.DRAFT)
    if n:
        rows = mine.filter(drafts).order_by("created_at")[:SHOWN]
        groups.append(
            Group(
                "drafts",
                ngettext("%(n)d draft to finish and submit", "%(n)d drafts to finish and submit", n)
                % {"n": n},
                n,
                "/requisitions/?status=draft",
                columns=(_("Requisition"), _("Amount"), _("Started")),
                totals=totals(Requisition.Status.DRAFT),
                rows=[_requisition_row(r, r.created_at) for r in rows],
            )
        )
    n = count(Requisition.Status.PENDING_APPROVAL)
    if n:
        rows = mine.filter(waiting).order_by("submitted_at")[:SHOWN]
        groups.append(
            Group(
                "waiting",
                ngettext(
                    "%(n)d of your requisitions waiting for approval",
                    "%(n)d of your requisitions waiting for approval",
                    n,
                )
                % {"n": n},
                n,
                "/requisitions/?status=pending_approval",
                columns=(_("Requisition"), _("Amount"), _("Waiting")),
                totals=totals(Requisition.Status.PENDING_APPROVAL),
                rows=[_requisition_row(r, r.submitted_at) for r in rows],
            )
        )
    return groups


def buyer(user: User) -> list[Group]:
    groups: list[Group] = []
    to_source = Requisition.objects.filter(
        status=Requisition.Status.APPROVED, supplier__isnull=True
    )
    sums = list(to_source.values("currency").annotate(n=Count("pk"), total=Sum("total")).order_by())
    n = sum(int(row["n"]) for row in sums)
    if n:
        rows = to_source.order_by("decided_at")[:SHOWN]
        groups.append(
            Group(
                "to_source",
                ngettext(
                    "%(n)d approved requisition waiting for a supplier",
                    "%(n)d approved requisitions waiting for a supplier",
                    n,
                )
                % {"n": n},
                n,
                "/requisitions/?status=approved",
                columns=(_("Requisition"), _("Amount"), _("Approved")),
                totals=per_currency(sums),
                rows=[_requisition_row(r, r.decided_at) for r in rows],
            )
        )
    unacknowledged = PurchaseOrder.objects.filter(
        status=PurchaseOrder.Status.ISSUED, acknowledged_at__isnull=True
    )
    sums = list(
        unacknowledged.values("currency").annotate(n=Count("pk"), total=Sum("total")).order_by()
    )
    n = sum(int(row["n"]) for row in sums)
    if n:
        orders = unacknowledged.select_related("supplier", "requisition").order_by("issued_at")
        groups.append(
            Group(
                "unacknowledged",
                ngettext(
                    "%(n)d order the supplier has not acknowledged",
                    "%(n)d orders the supplier has not acknowledged",
                    n,
                )
                % {"n": n},
                n,
                "/purchase-orders/?status=unacknowledged",
                columns=(_("Order"), _("Amount"), _("Issued")),
                totals=per_currency(sums),
                rows=[
                    Row(
                        ref=o.number,
                        title=_order_title(o),
                        url=f"/purchase-orders/{o.pk}/",
                        amount=o.total,
                        currency=o.currency,
                        when=waited(o.issued_at),
                    )
                    for o in orders[:SHOWN]
                ],
            )
        )
    onboarding = Supplier.objects.filter(status=Supplier.Status.PENDING_APPROVAL)
    n = onboarding.count()
    if n:
        suppliers = onboarding.order_by("created_at")[:SHOWN]
        groups.append(
            Group(
                "onboarding",
                ngettext(
                    "%(n)d supplier waiting for an onboarding decision",
                    "%(n)d suppliers waiting for an onboarding decision",
                    n,
                )
                % {"n": n},
                n,
                "/suppliers/?status=pending_approval",
                columns=(_("Supplier"), "", ""),
                rows=[Row(ref=s.name, title="", url=f"/suppliers/{s.pk}/") for s in suppliers],
            )
        )
    return groups


def receiver(user: User) -> list[Group]:
    today = tenant_today()
    open_orders = PurchaseOrder.objects.filter(
        status__in=[PurchaseOrder.Status.ISSUED, PurchaseOrder.Status.PARTIALLY_RECEIVED]
    )
    counts = open_orders.aggregate(
        total=Count("pk"), late=Count("pk", filter=Q(requisition__need_by__lt=today))
    )
    if not counts["total"]:
        return []
    orders = open_orders.select_related("supplier", "requisition").order_by(
        "requisition__need_by", "issued_at"
    )[:SHOWN]
    rows = []
    for o in orders:
        when, late = due(o.requisition.need_by, today)
        rows.append(
            Row(
                ref=o.number,
                title=_order_title(o),
                url=f"/purchase-orders/{o.pk}/",
                amount=o.total,
                currency=o.currency,
                when=when or waited(o.issued_at),
                late=late,
                note=_("partly received")
                if o.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
                else "",
            )
        )
    n = counts["total"]
    return [
        Group(
            "receipts",
            ngettext("%(n)d order to receive", "%(n)d orders to receive", n) % {"n": n},
            n,
            "/purchase-orders/?status=open",
            columns=(_("Order"), _("Amount"), _("Needed")),
            rows=rows,
            urgent=counts["late"],
            urgent_label=_("past their need-by date"),
        )
    ]
