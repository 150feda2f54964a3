"""Reads of accounts payable: who sees which invoices and exceptions, and the pages' data
in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.controls.entities import within_entities
from apps.procurement.models import GoodsReceipt
from apps.suppliers.selectors import supplier_of

from .exception_codes import QUEUES
from .models import ExceptionComment, Invoice, InvoiceException, InvoiceLine
from .rules import may_read_invoices, may_work, policy_section

OPEN_STATES = [
    InvoiceException.Status.OPEN,
    InvoiceException.Status.WAITING_SUPPLIER,
    InvoiceException.Status.PENDING_SECOND,
]
# the SLA clock runs while the team owns the exception, not while the supplier is asked
SLA_STATES = [InvoiceException.Status.OPEN, InvoiceException.Status.PENDING_SECOND]


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Internal staff see the tenant's invoices; a supplier user its own supplier's; an actor
    limited to legal entities those on their orders (an invoice on no order has no entity)."""
    invoices = Invoice.objects.select_related("supplier", "purchase_order")
    if may_read_invoices(user):
        return within_entities(invoices, user, field="purchase_order__legal_entity")
    supplier = supplier_of(user) if user.has_perm("accounts.use_supplier_portal") else None
    return invoices.filter(supplier=supplier) if supplier else invoices.none()


def invoice_list(
    user: User, *, status: str | None = None, supplier: str | None = None, q: str | None = None
) -> QuerySet[Invoice]:
    invoices = invoices_visible_to(user).prefetch_related(
        Prefetch(
            "exceptions",
            queryset=InvoiceException.objects.only(
                "id", "invoice_id", "code", "category", "status", "queue"
            ).order_by("created_at"),
        )
    )
    if status:
        invoices = invoices.filter(status=status)
    if supplier:
        invoices = invoices.filter(supplier_id=supplier)
    if q:
        invoices = invoices.filter(
            Q(invoice_number__icontains=q)
            | Q(supplier__name__icontains=q)
            | Q(po_reference__icontains=q)
        )
    return invoices


def lines_with_results() -> QuerySet[InvoiceLine]:
    """Invoice lines in order, each with its order line and its match result: one query for
    any number of lines."""
    return InvoiceLine.objects.select_related("po_line", "match").order_by("line_no")


def invoice_lines() -> Prefetch:
    """`lines_with_results` as an invoice's `lines` prefetch."""
    return Prefetch("lines", queryset=lines_with_results())


def invoice_detail(user: User, invoice_id: Any) -> Invoice | None:
    return (
        invoice_list(user)
        .select_related(
            "duplicate_of",
            "credited_invoice",
            "approved_by",
            "received_by",
            "purchase_order__legal_entity",
        )
        .prefetch_related(
            invoice_lines(),
            "credit_requests",
            "payments__run",
            "erp_payments",
        )
        .filter(pk=invoice_id)
        .first()
    )


def queues_worked(user: User) -> list[str]:
    return [queue for queue in QUEUES if may_work(user, queue)]


def queues_of(user: User) -> list[str]:
    """The queues a person sees: those they work, or every queue for auditors and insights'
    readers (read-only: working a queue still takes its capability)."""
    if user.has_perm("accounts.view_audit") or user.has_perm("accounts.view_insights"):
        return list(QUEUES)
    return queues_worked(user)


def exceptions_visible_to(user: User) -> QuerySet[InvoiceException]:
    exceptions = InvoiceException.objects.filter(queue__in=queues_of(user)).select_related(
        "invoice__supplier", "assignee", "invoice__purchase_order"
    )
    return within_entities(exceptions, user, field="invoice__purchase_order__legal_entity")


def exception_search(
    user: User,
    *,
    status: str | None = None,
    code: str | None = None,
    category: str | None = None,
    queue: str | None = None,
    assignee: str | None = None,
) -> QuerySet[InvoiceException]:
    exceptions = exceptions_visible_to(user)
    if status == "open":
        exceptions = exceptions.filter(status__in=OPEN_STATES)
    elif status == "overdue":
        exceptions = exceptions.filter(status__in=SLA_STATES, due_at__lt=timezone.now())
    elif status and status != "all":
        exceptions = exceptions.filter(status=status)
    for field, value in (("code", code), ("category", category), ("queue", queue)):
        if value:
            exceptions = exceptions.filter(**{field: value})
    if assignee == "me":
        exceptions = exceptions.filter(assignee=user)
    elif assignee == "none":
        exceptions = exceptions.filter(assignee__isnull=True)
    return exceptions


def exception_context(exception: InvoiceException) -> dict[str, Any]:
    """The order, its receipts and the invoice side by side, for the queue page."""
    invoice = exception.invoice
    order = invoice.purchase_order
    receipts = (
        list(
            GoodsReceipt.objects.filter(purchase_order=order)
            .prefetch_related("lines__po_line")
            .select_related("received_by")
        )
        if order
        else []
    )
    lines = list(lines_with_results().filter(invoice=invoice))
    comments = list(ExceptionComment.objects.filter(exception=exception).select_related("author"))
    siblings = list(invoice.exceptions.exclude(pk=exception.pk).order_by("created_at"))
    # what a credit note tied to nothing may be linked to: the supplier's latest invoices
    credit_candidates = (
        list(
            Invoice.objects.filter(
                supplier_id=invoice.supplier_id,
                kind=Invoice.Kind.INVOICE,
                currency=invoice.currency,
            )
            .exclude(status=Invoice.Status.REJECTED)
            .order_by("-invoice_date", "-created_at")
            .values("id", "invoice_number", "invoice_date", "total")[:50]
        )
        if exception.code == "credit_note_unmatched"
        else []
    )
    return {
        "invoice": invoice,
        "order": order,
        "order_lines": list(order.lines.all()) if order else [],
        "receipts": receipts,
        "lines": lines,
        "comments": comments,
        "siblings": siblings,
        "credit_candidates": credit_candidates,
    }


def queue_counts(user: User) -> dict[str, int]:
    rows = (
        exceptions_visible_to(user)
        .filter(status__in=OPEN_STATES)
        .values("queue")
        .annotate(n=Count("id"))
    )
    return {row["queue"]: row["n"] for row in rows}


def invoice_tolerances(invoice: Invoice) -> str:
    """The price and quantity tolerances the invoice was matched under: those of its policy
    version for its order's spend category ("—" before it was matched)."""
    from apps.policies.invoice_section import tolerances_for
    from apps.policies.models import PolicyVersion

    number = invoice.policy_version.removeprefix("v")
    version = PolicyVersion.objects.filter(number=number).first() if number.isdigit() else None
    order = invoice.purchase_order
    if version is None or order is None:
        return "—"
    category = (
        order.requisition.spend_category.code
        if order.requisition and order.requisition.spend_category
        else ""
    )
    section = policy_section(version)[1]["invoices"]
    applied = tolerances_for(section, category)
    return "; ".join(
        f"{kind} {', '.join(f'{k} {v}' for k, v in sorted(applied[kind].items()))}"
        for kind in ("price", "quantity")
    ) + (f" ({category})" if category else "")


def invoice_summaries(ids: list[str]) -> dict[str, dict[str, Any]]:
    return {
        str(i.pk): {
            "title": f"{i.invoice_number} · {i.supplier.name}",
            "amount": i.total,
            "currency": i.currency,
            "url": f"/invoices/{i.pk}/",
        }
        for i in Invoice.objects.filter(pk__in=ids).select_related("supplier")
    }
