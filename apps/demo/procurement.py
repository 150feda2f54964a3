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
from apps.demo.suppliers import CATEGORY_SUPPLIERS
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

# Each requisition: who asks (apps/demo/tenants.py DEMO_REQUESTERS, buying for their cost
# center), what, why, when (days ago, the hour it was raised) and how it ended. It is bought
# from the supplier of its category (apps/demo/suppliers.py CATEGORY_SUPPLIERS).
# (title, requester, cost center, category, currency, [(description, qty, unit price)],
#  justification, days ago, hour, outcome)
REQUISITIONS: list[
    tuple[str, str, str, str, str, list[tuple[str, str, str]], str, int, float, str]
] = [
    ("USB-C docks for the support team", "sam.okafor", "CC-100", "IT-HW", "USD",
     [("USB-C dock", "6", "149.00")],
     "The support desk moves to hot desks; each agent needs one dock for laptop and screens.",
     84, 9.25, "ordered"),
    ("Design tool seats", "nina.berg", "CC-200", "IT-SW", "USD",
     [("Annual seat", "5", "180.00")],
     "Two designers joined and three seats of the old tool expire at the end of the month.",
     70, 14.5, "ordered"),
    ("Trade fair booth", "lucas.meyer", "CC-200", "MKT", "USD",
     [("Booth design and build", "1", "8400.00"), ("Printing", "1", "650.00")],
     "Our stand at the spring industry fair; budgeted in the marketing plan.",
     56, 10.75, "ordered"),
    ("Archive shelving for the records room", "hannah.vogel", "CC-300", "FAC", "EUR",
     [("Shelving bay", "12", "310.00")],
     "Records must move out of the corridor before the fire inspection.",
     41, 13.25, "ordered"),
    ("Penetration test", "priya.shah", "CC-100", "SRV", "USD",
     [("External pen test", "1", "18500.00")],
     "Yearly test of the customer portal required by our largest customer's contract.",
     33, 11.5, "rejected"),
    ("Launch event print material", "nina.berg", "CC-200", "MKT", "USD",
     [("Printed invitations", "40", "35.00")],
     "Invitations for the product launch; the launch date has moved.",
     27, 16.0, "cancelled"),
    ("Data center expansion", "priya.shah", "CC-100", "IT-HW", "USD",
     [("Rack server", "8", "4200.00")],
     "Capacity for the new ERP system; the current racks run at 85 % load.",
     6, 9.75, "pending_finance"),
    ("Night security patrols, first quarter", "jonas.keller", "CC-300", "SRV", "EUR",
     [("Patrol service, quarter", "1", "6200.00")],
     "The warehouse insurer asks for patrols at night while the alarm system is replaced.",
     9, 15.25, "escalated"),
    ("Monitors for new hires", "requester", "CC-100", "IT-HW", "USD",
     [("27-inch monitor", "10", "289.00")],
     "Ten developers start next month; each desk gets one monitor.",
     4, 10.25, "pending"),
    ("Brand video production", "lucas.meyer", "CC-200", "MKT", "USD",
     [("Video production", "1", "12800.00")],
     "A two-minute brand film for the website and the trade fair screens.",
     2, 14.0, "pending"),
    ("Ergonomic chairs", "hannah.vogel", "CC-300", "FAC", "EUR",
     [("Chair", "4", "410.00")],
     "Replacements for the dispatch office; the occupational health check asked for them.",
     1, 11.0, "draft"),
    ("Laptops for the autumn hires", "requester", "CC-100", "IT-HW", "USD",
     [("Laptop", "6", "1450.00")],
     "Six engineers start in the autumn intake; the spare pool is empty.",
     63, 15.5, "ordered"),
    ("Booth graphics and brochures", "lucas.meyer", "CC-200", "MKT", "USD",
     [("Design and print package", "1", "7500.00")],
     "Graphics and brochures for the autumn trade fair stand.",
     48, 9.5, "ordered"),
    ("Access control maintenance, fourth quarter", "jonas.keller", "CC-300", "SRV", "EUR",
     [("Monthly maintenance", "3", "1900.00")],
     "The badge readers at both gates need the quarterly service the insurer requires.",
     35, 10.0, "ordered"),
    ("Project management licences", "sam.okafor", "CC-100", "IT-SW", "USD",
     [("Annual licence", "15", "96.00")],
     "The IT projects team moves from spreadsheets to one planning tool.",
     20, 13.75, "ordered"),
    ("Printer for the second floor", "hannah.vogel", "CC-300", "FAC", "EUR",
     [("Printer", "1", "1640.00")],
     "The old printer is out of support; repairs cost more than a new one.",
     14, 16.25, "withdrawn"),
    # naming no supplier: approved, then a buyer chooses one (or has yet to)
    ("Toner for every floor", "jonas.keller", "CC-300", "FAC", "USD",
     [("Toner cartridge", "24", "62.00")],
     "Stock for the quarter; the printers on three floors are down to their last cartridge.",
     12, 9.0, "sourced"),
    ("Standing desks, new office", "hannah.vogel", "CC-300", "FAC", "EUR",
     [("Standing desk", "8", "690.00")],
     "The new planning office opens next month with eight desks.",
     5, 14.75, "approved"),
    ("Webcams for the meeting rooms", "priya.shah", "CC-100", "IT-HW", "USD",
     [("Webcam", "6", "129.00")],
     "Hybrid meetings: six rooms have no camera yet.",
     3, 11.25, "approved"),
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
    who: str,
    cc: str,
    category: str,
    currency: str,
    lines: list[tuple[str, str, str]],
    justification: str,
    days_ago: int,
    hour: float,
    outcome: str,
) -> None:
    state: dict[str, Any] = {}

    def create() -> None:
        requester = _user(slug, who)
        supplier = Supplier.objects.get(name=CATEGORY_SUPPLIERS[category])
        data: dict[str, Any] = {
            "title": title,
            "cost_center": cc,
            "spend_category": category,
            "legal_entity": "DE01" if currency == "EUR" else "US01",
            "currency": currency,
            "justification": justification,
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
                task_approve(actor=manager, task_id=task.pk, comment="Within the team's plan.")
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
                supplier_id=Supplier.objects.get(name=CATEGORY_SUPPLIERS["FAC"]).pk,
            )

    # raised at its hour; decided the next day and followed up the day after, at hours that
    # vary with the requisition (the manager reads tasks between meetings)
    timeline.at(days_ago, create, hour=hour)
    if outcome in ("draft", "cancelled", "pending"):
        return
    timeline.at(days_ago - 1, decide, hour=8.5 + (hour * 7) % 9)
    if outcome == "sourced":
        timeline.at(days_ago - 2, source, hour=10)
    if outcome == "ordered":
        # a finance step, where the route has one
        timeline.at(days_ago - 2, finance, hour=9 + (hour * 5) % 8)
