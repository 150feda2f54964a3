"""Demo activity for one tenant: suppliers, approval limits, and a month of requisitions in
every state, tasks waiting in inboxes, one escalated task. Written through the services (so the
audit trail is real); run once per tenant."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.policies.models import ApprovalLimit
from apps.procurement.models import Requisition
from apps.procurement.services.requisitions import (
    requisition_cancel,
    requisition_create,
    requisition_submit,
)
from apps.suppliers.models import Supplier
from apps.workflow.models import ApprovalStep, ApprovalTask
from apps.workflow.services import sla_sweep, task_approve, task_delegate, task_reject

# (title, cost center, category, currency, [(description, qty, unit price)], days ago, outcome)
REQUISITIONS: list[tuple[str, str, str, str, list[tuple[str, str, str]], int, str]] = [
    (
        "USB-C docks for the support team",
        "CC-100",
        "IT-HW",
        "USD",
        [("USB-C dock", "6", "149.00")],
        29,
        "ordered",
    ),
    (
        "Design tool seats",
        "CC-200",
        "IT-SW",
        "USD",
        [("Annual seat", "5", "180.00")],
        26,
        "ordered",
    ),
    (
        "Trade fair booth",
        "CC-200",
        "MKT",
        "USD",
        [("Booth space", "1", "8400.00"), ("Printing", "1", "650.00")],
        24,
        "ordered",
    ),
    (
        "Warehouse shelving",
        "CC-300",
        "FAC",
        "EUR",
        [("Shelving bay", "12", "310.00")],
        21,
        "ordered",
    ),
    (
        "Penetration test",
        "CC-100",
        "SRV",
        "USD",
        [("External pen test", "1", "18500.00")],
        18,
        "rejected",
    ),
    (
        "Team offsite catering",
        "CC-200",
        "MKT",
        "USD",
        [("Catering", "40", "35.00")],
        15,
        "cancelled",
    ),
    (
        "Data center expansion",
        "CC-100",
        "IT-HW",
        "USD",
        [("Rack server", "8", "4200.00")],
        11,
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
]


def _user(slug: str, local: str) -> User:
    return User.objects.get(email=f"{local}@{slug}.example")


def _open_task(requisition: Requisition, assignee: User) -> ApprovalTask:
    return ApprovalTask.objects.get(
        subject_id=str(requisition.pk), assignee=assignee, status="open"
    )


@transaction.atomic
def seed_procurement(*, slug: str) -> None:
    if Requisition.objects.exists():
        return
    requester, manager, approver = (
        _user(slug, "requester"),
        _user(slug, "manager"),
        _user(slug, "approver"),
    )
    ApprovalLimit.objects.get_or_create(
        role="manager", currency="USD", defaults={"amount": Decimal("25000")}
    )
    ApprovalLimit.objects.get_or_create(
        role="manager", currency="EUR", defaults={"amount": Decimal("23000")}
    )
    ApprovalLimit.objects.get_or_create(
        role="ap_manager", currency="USD", defaults={"amount": Decimal("250000")}
    )
    suppliers = {
        "low": Supplier.objects.get_or_create(
            name="Contoso Office Supply",
            defaults={
                "country": "US",
                "email": "sales@contoso.example",
                "status": "approved",
                "risk_tier": "low",
                "category": "FAC",
            },
        )[0],
        "high": Supplier.objects.get_or_create(
            name="Fabrikam Security Services",
            defaults={
                "country": "DE",
                "email": "info@fabrikam.example",
                "status": "approved",
                "risk_tier": "high",
                "category": "SRV",
            },
        )[0],
    }
    now = timezone.now()
    for title, cc, category, currency, lines, days_ago, outcome in REQUISITIONS:
        entity = "DE01" if currency == "EUR" else "US01"
        data: dict[str, Any] = {
            "title": title,
            "cost_center": cc,
            "spend_category": category,
            "legal_entity": entity,
            "currency": currency,
            "justification": "Demo activity",
            "supplier": suppliers["high" if category == "SRV" else "low"].pk,
            "lines": [{"description": d, "quantity": q, "unit_price": p} for d, q, p in lines],
        }
        requisition = requisition_create(actor=requester, data=data)
        if outcome != "draft" and outcome != "cancelled":
            requisition = requisition_submit(actor=requester, requisition_id=requisition.pk)
        if outcome == "cancelled":
            requisition_cancel(actor=requester, requisition_id=requisition.pk)
        elif outcome == "ordered" and requisition.status == "pending_approval":
            task_approve(
                actor=manager, task_id=_open_task(requisition, manager).pk, comment="Within plan."
            )
        elif outcome == "rejected":
            task_reject(
                actor=manager,
                task_id=_open_task(requisition, manager).pk,
                comment="Use the framework agreement's supplier instead.",
            )
        elif outcome == "pending_finance":
            task_approve(
                actor=manager, task_id=_open_task(requisition, manager).pk, comment="Needed for Q1."
            )
        elif outcome == "escalated":
            # handed to the approver, who let the SLA pass: the sweep escalates to their manager
            task_delegate(
                actor=manager,
                task_id=_open_task(requisition, manager).pk,
                to_user=approver,
                comment="Please take this one.",
            )
            ApprovalStep.objects.filter(
                route__subject_id=str(requisition.pk), status="open"
            ).update(
                opened_at=now - timedelta(days=days_ago), due_at=now - timedelta(days=days_ago - 2)
            )
        Requisition.objects.filter(pk=requisition.pk).update(
            created_at=now - timedelta(days=days_ago, hours=2),
            submitted_at=None
            if outcome in ("draft", "cancelled")
            else now - timedelta(days=days_ago),
        )
    sla_sweep(now=now)
