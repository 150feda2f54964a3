"""What waits for a person, by role, with counts: the home page's cards. Each card leads to the
page (and filter) where that work is done; `urgent` counts what is overdue or escalated.

Reads across every context, so it lives in the top layer beside assurance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.assurance.models import ChainCheck, ComplianceReport, EvidencePack
from apps.invoices.exception_codes import QUEUES
from apps.invoices.models import InvoiceException
from apps.invoices.selectors import queues_worked
from apps.payments.models import PaymentRun
from apps.procurement.models import PurchaseOrder, Requisition
from apps.suppliers.models import BankAccount, ScreeningHit, Supplier, SupplierDocument
from apps.workflow.models import ApprovalTask

SOON = timedelta(days=30)


@dataclass(frozen=True)
class Work:
    key: str
    label: str | Promise
    count: int
    url: str
    urgent: int = 0
    urgent_label: str | Promise = ""
    detail: list[tuple[str | Promise, int, str]] = field(default_factory=list)


def _tasks(user: User) -> list[Work]:
    now = timezone.now()
    tasks = ApprovalTask.objects.filter(assignee=user, status=ApprovalTask.Status.OPEN)
    counts = tasks.aggregate(
        total=Count("pk"),
        # a task both late and escalated is one urgent task
        urgent=Count("pk", filter=Q(step__due_at__lt=now) | Q(step__escalated_at__isnull=False)),
    )
    return [
        Work(
            "tasks",
            _("Approval tasks waiting for you"),
            counts["total"],
            "/tasks/",
            urgent=counts["urgent"],
            urgent_label=_("overdue or escalated"),
        )
    ]


def _requester(user: User) -> list[Work]:
    mine = Requisition.objects.filter(requester=user)
    counts = mine.aggregate(
        drafts=Count("pk", filter=Q(status=Requisition.Status.DRAFT)),
        waiting=Count("pk", filter=Q(status=Requisition.Status.PENDING_APPROVAL)),
    )
    return [
        Work("drafts", _("Your drafts"), counts["drafts"], "/requisitions/?status=draft"),
        Work(
            "waiting",
            _("Your requisitions waiting for approval"),
            counts["waiting"],
            "/requisitions/?status=pending_approval",
        ),
    ]


def _buyer(user: User) -> list[Work]:
    unacknowledged = PurchaseOrder.objects.filter(
        status=PurchaseOrder.Status.ISSUED, acknowledged_at__isnull=True
    ).count()
    onboarding = Supplier.objects.filter(status=Supplier.Status.PENDING_APPROVAL).count()
    to_source = Requisition.objects.filter(
        status=Requisition.Status.APPROVED, supplier__isnull=True
    ).count()
    return [
        Work(
            "to_source",
            _("Approved requisitions waiting for a supplier"),
            to_source,
            "/requisitions/?status=approved",
        ),
        Work(
            "unacknowledged",
            _("Orders the supplier has not acknowledged"),
            unacknowledged,
            "/purchase-orders/?status=unacknowledged",
        ),
        Work(
            "onboarding",
            _("Suppliers waiting for an onboarding decision"),
            onboarding,
            "/suppliers/?status=pending_approval",
        ),
    ]


def _receiver(user: User) -> list[Work]:
    today = timezone.localdate()
    due = PurchaseOrder.objects.filter(
        status__in=[PurchaseOrder.Status.ISSUED, PurchaseOrder.Status.PARTIALLY_RECEIVED]
    )
    counts = due.aggregate(
        total=Count("pk"), late=Count("pk", filter=Q(requisition__need_by__lt=today))
    )
    return [
        Work(
            "receipts",
            _("Orders due for receipt"),
            counts["total"],
            "/purchase-orders/?status=open",
            urgent=counts["late"],
            urgent_label=_("past their need-by date"),
        )
    ]


def _queues(user: User) -> list[Work]:
    queues = queues_worked(user)  # auditors and insights' readers read every queue
    if not queues:
        return []
    now = timezone.now()
    open_ = InvoiceException.objects.filter(queue__in=queues, status=InvoiceException.Status.OPEN)
    per_queue = dict(open_.values_list("queue").annotate(n=Count("pk")).values_list("queue", "n"))
    late = open_.filter(Q(due_at__lt=now) | Q(escalated_at__isnull=False)).count()
    return [
        Work(
            "exceptions",
            _("Open invoice exceptions in your queues"),
            sum(per_queue.values()),
            "/exceptions/?status=open",
            urgent=late,
            urgent_label=_("overdue or escalated"),
            detail=[
                (QUEUES[q][1], per_queue.get(q, 0), f"/exceptions/?status=open&queue={q}")
                for q in queues
            ],
        )
    ]


def _payments(user: User) -> list[Work]:
    proposed = PaymentRun.objects.filter(status=PaymentRun.Status.PROPOSED).count()
    return [
        Work(
            "payment_runs",
            _("Payment runs waiting for release"),
            proposed,
            "/payments/",
        )
    ]


def _compliance(user: User) -> list[Work]:
    hits = ScreeningHit.objects.filter(status=ScreeningHit.Status.OPEN).count()
    pending = BankAccount.objects.filter(status=BankAccount.Status.PENDING_VERIFICATION)
    return [
        Work("screening", _("Sanctions hits to review"), hits, "/suppliers/screening/"),
        Work(
            "bank_approvals",
            _("Bank changes waiting for approval (call-back done)"),
            pending.filter(callback_at__isnull=False).count(),
            "/suppliers/?bank=pending",
        ),
    ]


def _callbacks(user: User) -> list[Work]:
    pending = BankAccount.objects.filter(
        status=BankAccount.Status.PENDING_VERIFICATION, callback_at__isnull=True
    )
    return [
        Work(
            "callbacks",
            _("Bank changes waiting for a call-back"),
            pending.count(),
            "/suppliers/?bank=pending",
        )
    ]


def _documents(user: User) -> list[Work]:
    today = timezone.localdate()
    expiring = SupplierDocument.objects.filter(
        status=SupplierDocument.Status.CURRENT,
        expires_on__isnull=False,
        expires_on__lte=today + SOON,
    )
    return [
        Work(
            "expiring",
            _("Supplier documents expiring within 30 days"),
            expiring.count(),
            "/suppliers/?expiring=30",
            urgent=expiring.filter(expires_on__lt=today).count(),
            urgent_label=_("already expired"),
        )
    ]


def _audit(user: User) -> list[Work]:
    packs = EvidencePack.objects.filter(requested_by=user).aggregate(
        ready=Count("pk", filter=Q(status=EvidencePack.Status.READY)),
        failed=Count("pk", filter=Q(status=EvidencePack.Status.FAILED)),
    )
    last_check = ChainCheck.objects.order_by("-checked_at").first()
    return [
        Work(
            "packs",
            _("Evidence packs you asked for, ready to download"),
            packs["ready"],
            "/audit/#packs",
            urgent=packs["failed"],
            urgent_label=_("failed"),
        ),
        Work(
            "reports",
            _("Monthly control reports"),
            ComplianceReport.objects.count(),
            "/audit/",
            urgent=int(last_check is not None and not last_check.valid),
            urgent_label=_("the last chain check found a break"),
        ),
    ]


# capability → the cards it brings, in the order the home page shows them
CARDS: list[tuple[str, Any]] = [
    ("accounts.approve", _tasks),
    ("accounts.submit_requisition", _requester),
    ("accounts.manage_purchase_orders", _buyer),
    ("accounts.manage_suppliers", _documents),
    ("accounts.post_goods_receipt", _receiver),
    ("accounts.process_invoices", _queues),
    ("accounts.review_screening", _queues),
    ("accounts.release_payments", _payments),
    ("accounts.verify_bank_details", _callbacks),
    ("accounts.review_screening", _compliance),
    ("accounts.view_audit", _audit),
]


def work_of(user: User) -> list[Work]:
    seen: set[Any] = set()
    cards: list[Work] = []
    for perm, cards_of in CARDS:
        if cards_of in seen or not user.has_perm(perm):
            continue
        seen.add(cards_of)
        cards.extend(cards_of(user))
    return cards
