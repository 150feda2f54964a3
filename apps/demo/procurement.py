"""Demo requisitions for one tenant: approval limits and three months of requisitions in every
state, tasks waiting in inboxes, late steps reminded and escalated by the SLA sweep. Written
through the services on the demo's clock (apps/demo/clock.py), so the audit trail and every
date are real; run once per tenant."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.demo.clock import Timeline
from apps.policies.models import ApprovalLimit
from apps.procurement.models import Requisition
from apps.procurement.services.requisitions import (
    requisition_cancel,
    requisition_create,
    requisition_submit,
    requisition_withdraw,
)
from apps.procurement.services.sourcing import requisition_source
from apps.suppliers.models import Supplier
from apps.workflow.models import ApprovalTask
from apps.workflow.services import sla_sweep, task_approve, task_delegate, task_reject

# (title, cost center, category, currency, [(description, qty, unit price)], days ago, outcome)
REQUISITIONS: list[tuple[str, str, str, str, list[tuple[str, str, str]], int, str]] = [
    (
        "USB-C docks for the support team",
        "CC-100",
        "IT-HW",
        "USD",
        [("USB-C dock", "6", "149.00")],
        84,
        "ordered",
    ),
    (
        "Design tool seats",
        "CC-200",
        "IT-SW",
        "USD",
        [("Annual seat", "5", "180.00")],
        70,
        "ordered",
    ),
    (
        "Trade fair booth",
        "CC-200",
        "MKT",
        "USD",
        [("Booth space", "1", "8400.00"), ("Printing", "1", "650.00")],
        56,
        "ordered",
    ),
    (
        "Warehouse shelving",
        "CC-300",
        "FAC",
        "EUR",
        [("Shelving bay", "12", "310.00")],
        41,
        "ordered",
    ),
    (
        "Penetration test",
        "CC-100",
        "SRV",
        "USD",
        [("External pen test", "1", "18500.00")],
        33,
        "rejected",
    ),
    (
        "Team offsite catering",
        "CC-200",
        "MKT",
        "USD",
        [("Catering", "40", "35.00")],
        27,
        "cancelled",
    ),
    (
        "Data center expansion",
        "CC-100",
        "IT-HW",
        "USD",
        [("Rack server", "8", "4200.00")],
        6,
        "pending_finance",
    ),
    (
        "Forklift service contract",
        "CC-300",
        "SRV",
        "EUR",
        [("Annual service", "1", "6200.00")],
        9,
        "escalated",
    ),
    (
        "Monitors for new hires",
        "CC-100",
        "IT-HW",
        "USD",
        [("27-inch monitor", "10", "289.00")],
        4,
        "pending",
    ),
    (
        "Brand video production",
        "CC-200",
        "MKT",
        "USD",
        [("Video production", "1", "12800.00")],
        2,
        "pending",
    ),
    ("Ergonomic chairs", "CC-300", "FAC", "EUR", [("Chair", "4", "410.00")], 1, "draft"),
    ("Laptops for the autumn hires", "CC-100", "IT-HW", "USD", [("Laptop", "6", "1450.00")], 63,
     "ordered"),
    ("Conference sponsorship", "CC-200", "MKT", "USD", [("Silver package", "1", "7500.00")], 48,
     "ordered"),
    ("Cleaning services, fourth quarter", "CC-300", "SRV", "EUR",
     [("Monthly cleaning", "3", "1900.00")], 35, "ordered"),
    ("Project management licences", "CC-100", "IT-SW", "USD", [("Annual licence", "15", "96.00")],
     20, "ordered"),
    ("Printer for the second floor", "CC-300", "FAC", "EUR", [("Printer", "1", "1640.00")], 14,
     "withdrawn"),
    # naming no supplier: approved, then a buyer chooses one (or has yet to)
    ("Toner for every floor", "CC-300", "FAC", "USD", [("Toner cartridge", "24", "62.00")], 12,
     "sourced"),
    ("Standing desks, new office", "CC-300", "FAC", "EUR", [("Standing desk", "8", "690.00")],
     5, "approved"),
    ("Webcams for the meeting rooms", "CC-100", "IT-HW", "USD", [("Webcam", "6", "129.00")], 3,
     "approved"),
]  # fmt: skip


# approved without a supplier; "sourced" ones then get one from the buyer
UNSOURCED = ("approved", "sourced")


def _user(slug: str, local: str) -> User:
    return User.objects.get(email=f"{local}@{slug}.example")


def _open_task(requisition: Requisition, assignee: User) -> ApprovalTask:
    return ApprovalTask.objects.get(
        subject_id=str(requisition.pk), assignee=assignee, status="open"
    )


def seed_procurement(timeline: Timeline, *, slug: str) -> None:
    """Schedule three months of requisitions, each created, submitted and decided on its own
    days (skipped when the tenant has requisitions already)."""
    if Requisition.objects.exists():
        return
    ApprovalLimit.objects.get_or_create(
        role="manager", currency="USD", defaults={"amount": Decimal("25000")}
    )
    ApprovalLimit.objects.get_or_create(
        role="manager", currency="EUR", defaults={"amount": Decimal("23000")}
    )
    ApprovalLimit.objects.get_or_create(
        role="ap_manager", currency="USD", defaults={"amount": Decimal("250000")}
    )
    for spec in REQUISITIONS:
        _schedule(timeline, slug, *spec)
    # the SLA sweep beat would have run meanwhile: reminders and escalations of late steps
    timeline.at(1, lambda: sla_sweep(now=timezone.now()), hour=7)


def _schedule(
    timeline: Timeline,
    slug: str,
    title: str,
    cc: str,
    category: str,
    currency: str,
    lines: list[tuple[str, str, str]],
    days_ago: int,
    outcome: str,
) -> None:
    state: dict[str, Any] = {}

    def create() -> None:
        requester = _user(slug, "requester")
        supplier = Supplier.objects.get(
            name="Fabrikam Security Services" if category == "SRV" else "Contoso Office Supply"
        )
        data: dict[str, Any] = {
            "title": title,
            "cost_center": cc,
            "spend_category": category,
            "legal_entity": "DE01" if currency == "EUR" else "US01",
            "currency": currency,
            "justification": "Demo activity",
            "supplier": None if outcome in UNSOURCED else supplier.pk,
            "need_by": timezone.localdate() + timedelta(days=21),
            "lines": [{"description": d, "quantity": q, "unit_price": p} for d, q, p in lines],
        }
        with transaction.atomic():
            requisition = requisition_create(actor=requester, data=data)
            if outcome == "cancelled":
                requisition_cancel(actor=requester, requisition_id=requisition.pk)
            elif outcome != "draft":
                requisition = requisition_submit(actor=requester, requisition_id=requisition.pk)
        state["requisition"] = requisition

    def decide() -> None:
        requisition = Requisition.objects.get(pk=state["requisition"].pk)
        manager, approver = _user(slug, "manager"), _user(slug, "approver")
        if requisition.status != "pending_approval":
            return  # approved automatically under the policy's threshold
        with transaction.atomic():
            task = _open_task(requisition, manager)
            if outcome in ("ordered", "pending_finance", *UNSOURCED):
                task_approve(actor=manager, task_id=task.pk, comment="Within plan.")
            elif outcome == "rejected":
                task_reject(
                    actor=manager,
                    task_id=task.pk,
                    comment="Use the framework agreement's supplier instead.",
                )
            elif outcome == "escalated":
                # handed to the approver, who lets the SLA pass: the sweep escalates it
                task_delegate(
                    actor=manager,
                    task_id=task.pk,
                    to_user=approver,
                    comment="Please take this one.",
                )
            elif outcome == "withdrawn":
                requisition_withdraw(actor=requisition.requester, requisition_id=requisition.pk)

    def finance() -> None:
        requisition = Requisition.objects.get(pk=state["requisition"].pk)
        if requisition.status != "pending_approval":
            return
        with transaction.atomic():
            for task in ApprovalTask.objects.filter(
                subject_id=str(requisition.pk), status="open"
            ).select_related("assignee"):
                task_approve(actor=task.assignee, task_id=task.pk, comment="Budget confirmed.")

    def source() -> None:
        with transaction.atomic():
            requisition_source(
                actor=_user(slug, "buyer"),
                requisition_id=state["requisition"].pk,
                supplier_id=Supplier.objects.get(name="Contoso Office Supply").pk,
            )

    timeline.at(days_ago, create, hour=9.5)
    if outcome in ("draft", "cancelled", "pending"):
        return
    timeline.at(days_ago - 1, decide, hour=11)
    if outcome == "sourced":
        timeline.at(days_ago - 2, source, hour=10)
    if outcome == "ordered":
        timeline.at(days_ago - 2, finance, hour=15)  # a finance step, where the route has one
