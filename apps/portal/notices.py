"""In-app notices on the home page: each links to its subject, can be dismissed, and leaves
by itself once what it announced is done (a reminder once the task is decided, a bank-change
notice once the account is verified, an overdue exception once it is resolved, …).

Whether a notice still holds is decided when the page is drawn, one query per kind of notice,
so the page's query count does not grow with the number of notices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Min, QuerySet

from apps.accounts.models import User
from apps.assurance.models import ChainCheck
from apps.assurance.subjects import valid_ids
from apps.contracts.models import Contract
from apps.contracts.selectors import contracts_visible_to
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.selectors import OPEN_STATES, invoices_visible_to
from apps.partners.models import AccessGrant
from apps.payments.models import PaymentRun
from apps.payments.selectors import payment_runs
from apps.procurement.models import PurchaseOrder, Requisition
from apps.procurement.selectors import purchase_orders_visible_to, requisitions_visible_to
from apps.suppliers.models import BankAccount, Supplier, SupplierDocument
from apps.suppliers.selectors import suppliers_visible_to
from apps.tenancy.context import current_tenant, tenant_today
from apps.workflow.models import ApprovalTask, Notification

SUBJECT_URLS = {
    "requisition": "/requisitions/{}/",
    "purchase_order": "/purchase-orders/{}/",
    "invoice": "/invoices/{}/",
    "supplier": "/suppliers/{}/",
    "contract": "/contracts/{}/",
    "access_grant": "/settings/support-access/",
}
SCAN = 100  # the newest unread notices looked at; older ones wait for these to go


def subject_url(notice: Notification) -> str:
    if notice.kind.startswith("approval."):
        return "/tasks/"
    pattern = SUBJECT_URLS.get(notice.subject_type)
    return pattern.format(notice.subject_id) if pattern and notice.subject_id else ""


def _open_tasks(user: User, ids: set[str]) -> set[str]:
    return set(
        ApprovalTask.objects.filter(
            assignee=user, status=ApprovalTask.Status.OPEN, subject_id__in=ids
        ).values_list("subject_id", flat=True)
    )


def _texts(rows: QuerySet[Any], field: str) -> set[str]:
    return {str(value) for value in rows.values_list(field, flat=True)}


def _open_exceptions(_user: User, ids: set[str]) -> set[str]:
    return _texts(
        InvoiceException.objects.filter(
            invoice_id__in=valid_ids(Invoice, ids), status__in=OPEN_STATES
        ),
        "invoice_id",
    )


def _bank_requested(ids: set[str]) -> dict[str, datetime]:
    """Per supplier, when its oldest bank account still waiting for verification was entered:
    a bank-change notice sent before that announced an account already decided."""
    rows = (
        BankAccount.objects.filter(
            supplier_id__in=valid_ids(Supplier, ids),
            status=BankAccount.Status.PENDING_VERIFICATION,
        )
        .values("supplier_id")
        .annotate(first=Min("requested_at"))
    )
    return {str(row["supplier_id"]): row["first"] for row in rows}


def _shared_bank(_user: User, ids: set[str]) -> set[str]:
    return _texts(
        BankAccount.objects.filter(
            BankAccount.sharing_open_q(), supplier_id__in=valid_ids(Supplier, ids)
        ),
        "supplier_id",
    )


def _expiring(_user: User, ids: set[str]) -> set[str]:
    horizon = tenant_today() + timedelta(days=30)
    return _texts(
        SupplierDocument.objects.filter(
            supplier_id__in=valid_ids(Supplier, ids),
            status=SupplierDocument.Status.CURRENT,
            expires_on__lte=horizon,
        ),
        "supplier_id",
    )


def _non_compliant(_user: User, ids: set[str]) -> set[str]:
    return _texts(
        Supplier.objects.filter(
            pk__in=valid_ids(Supplier, ids), compliance=Supplier.Compliance.NON_COMPLIANT
        ),
        "pk",
    )


def _chain_broken(_user: User, ids: set[str]) -> set[str]:
    last = ChainCheck.objects.order_by("-checked_at").first()
    return ids if last is None or not last.valid else set()


def _support_waiting(_user: User, ids: set[str]) -> set[str]:
    """Support access requests still waiting for the tenant's admins (public-schema rows; the
    tenant's own only)."""
    return _texts(
        AccessGrant.objects.filter(
            pk__in=valid_ids(AccessGrant, ids),
            client=current_tenant(),
            status=AccessGrant.Status.PENDING,
        ),
        "pk",
    )


# kind → which of these subjects still need attention; a kind not named here stays until
# dismissed
STILL_OPEN: dict[str, Callable[[User, set[str]], set[str]]] = {
    "approval.reminder": _open_tasks,
    "approval.escalated": _open_tasks,
    "invoice.exception_overdue": _open_exceptions,
    "invoice.exception_escalated": _open_exceptions,
    "supplier.bank_shared": _shared_bank,
    "supplier.document_expiring": _expiring,
    "supplier.non_compliant": _non_compliant,
    "audit.chain_broken": _chain_broken,
    "support_access.requested": _support_waiting,
}
# kind → since when each subject's matter has been open: a notice of that kind holds only if
# it was sent since (an older one announced something already settled)
OPEN_SINCE: dict[str, Callable[[set[str]], dict[str, datetime]]] = {
    "supplier.bank_change": _bank_requested,
}


def _order_name(o: PurchaseOrder) -> tuple[str, str]:
    """An order is named by what was asked for and, once chosen, from whom."""
    parts = [o.requisition.title, o.supplier.name if o.supplier else ""]
    return o.number, " · ".join(part for part in parts if part)


Visible = Callable[[User], QuerySet[Any]]
# subject type → how its record is named: (model, which of them the reader may see, related
# rows, its number and its title)
_NAMES: dict[str, tuple[Any, Visible, tuple[str, ...], Callable[[Any], tuple[str, str]]]] = {
    "requisition": (Requisition, requisitions_visible_to, (), lambda r: (r.number, r.title)),
    "purchase_order": (
        PurchaseOrder,
        purchase_orders_visible_to,
        ("requisition", "supplier"),
        _order_name,
    ),
    "invoice": (
        Invoice,
        invoices_visible_to,
        ("supplier",),
        lambda i: (i.invoice_number, i.supplier.name),
    ),
    "payment_run": (PaymentRun, payment_runs, (), lambda r: (r.number, "")),
    "supplier": (Supplier, suppliers_visible_to, (), lambda s: (s.name, "")),
    "contract": (Contract, contracts_visible_to, (), lambda c: (c.number, c.title)),
}


def subject_names(
    user: User, notices: list[Notification]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(subject type, id) → the record's number and title as people know them
    ("REQ-000021", "Standing desks"), one query per kind of subject among the notices shown.
    Only records the reader may see are named (their owning app's selector decides)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for notice in notices:
        if notice.subject_type in _NAMES and notice.subject_id:
            wanted[notice.subject_type].add(notice.subject_id)
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, ids in wanted.items():
        model, visible, related, name = _NAMES[kind]
        rows = model.objects.filter(pk__in=valid_ids(model, ids)).filter(
            pk__in=visible(user).values("pk")
        )
        for row in rows.select_related(*related) if related else rows:
            names[(kind, str(row.pk))] = name(row)
    return names


def open_notices(user: User, limit: int = 10) -> list[tuple[Notification, str, str]]:
    """The newest notices that still hold, each with the address of its subject and the name
    of its record ("" when it names none)."""
    unread = list(
        Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")[:SCAN]
    )
    subjects: dict[str, set[str]] = defaultdict(set)
    for notice in unread:
        if notice.kind in STILL_OPEN:
            subjects[notice.kind].add(notice.subject_id)
    still: dict[str, set[str]] = {}
    checked: dict[Callable[[User, set[str]], set[str]], set[str]] = {}
    for kind, ids in subjects.items():
        check = STILL_OPEN[kind]
        if check not in checked:  # kinds sharing a check share its query
            same = set().union(*(v for k, v in subjects.items() if STILL_OPEN[k] is check))
            checked[check] = check(user, same)
        still[kind] = checked[check] & ids
    since = {
        kind: OPEN_SINCE[kind]({n.subject_id for n in unread if n.kind == kind})
        for kind in {n.kind for n in unread} & set(OPEN_SINCE)
    }

    def holds(notice: Notification) -> bool:
        if notice.kind in OPEN_SINCE:
            opened = since[notice.kind].get(notice.subject_id)
            return opened is not None and notice.created_at >= opened
        if notice.kind in STILL_OPEN:
            return notice.subject_id in still.get(notice.kind, set())
        return True

    shown = [notice for notice in unread if holds(notice)][:limit]
    names = subject_names(user, shown)

    def name(notice: Notification) -> str:
        number, title = names.get((notice.subject_type, notice.subject_id), ("", ""))
        if not number or number in notice.message:
            return ""  # the notice names it already
        return f"{number} · {title}" if title else number

    return [(notice, subject_url(notice), name(notice)) for notice in shown]
