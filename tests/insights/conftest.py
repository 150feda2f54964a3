"""A hand-built month of accounts payable whose figures are known (docs/insights.md): rows
made directly with the timestamps the figures read, so every answer can be worked out by hand.

Day 0 is 20 days before today in the tenant's zone; the period is day 0 to day 9.
Invoices (credit notes aside): A touchless (2 h), B with a price variance overridden (48 h),
C with an open no-PO exception, D still unmatched, G touchless on US01 (24 h); F arrived at
23:30 UTC the day before day 0 (day 0 in Berlin); a credit note H never counts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.invoices.models import Invoice, InvoiceException
from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.procurement.models import PurchaseOrder, Requisition
from apps.suppliers.models import Supplier
from apps.workflow.models import ApprovalRoute, ApprovalStep, ApprovalTask

UTC = ZoneInfo("UTC")


def at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(hours=hour)


@dataclass
class Books:
    org: Any
    day0: date
    first: date
    last: date
    invoices: dict[str, Invoice] = field(default_factory=dict)
    exceptions: dict[str, InvoiceException] = field(default_factory=dict)
    supplier: Any = None
    other_supplier: Any = None

    def query(self, **more: str) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), **more}


def _order(org: Any, supplier: Any, entity: str, number: str) -> PurchaseOrder:
    requisition = Requisition.objects.create(
        number=f"REQ-{number}",
        title="Hand-built",
        requester=org.requester,
        cost_center=CostCenter.objects.get(code="CC-100"),
        spend_category=SpendCategory.objects.get(code="IT-HW"),
        legal_entity=LegalEntity.objects.get(code=entity),
        currency="EUR",
        supplier=supplier,
        status=Requisition.Status.ORDERED,
        total=Decimal("100.00"),
    )
    return PurchaseOrder.objects.create(
        number=f"PO-{number}",
        requisition=requisition,
        supplier=supplier,
        legal_entity=requisition.legal_entity,
        currency="EUR",
        total=Decimal("100.00"),
    )


def _invoice(books: Books, name: str, *, arrived: datetime, **fields: Any) -> Invoice:
    invoice = Invoice.objects.create(
        supplier=fields.pop("supplier", books.supplier),
        invoice_number=f"INV-{name}",
        number_key=f"INV-{name}",
        invoice_date=arrived.date(),
        currency="EUR",
        total=Decimal("100.00"),
        payable=Decimal("100.00"),
        channel=fields.pop("channel", Invoice.Channel.API),
        **fields,
    )
    Invoice.objects.filter(pk=invoice.pk).update(created_at=arrived)
    books.invoices[name] = invoice
    return invoice


def _exception(books: Books, name: str, invoice: Invoice, raised: datetime, **fields: Any) -> Any:
    exception = InvoiceException.objects.create(
        invoice=invoice,
        detail="hand-built",
        due_at=fields.pop("due_at", raised + timedelta(hours=48)),
        **fields,
    )
    InvoiceException.objects.filter(pk=exception.pk).update(created_at=raised)
    books.exceptions[name] = exception
    return exception


def audit(action: str, subject_type: str, subject_id: Any, when: datetime, **fields: Any) -> None:
    AuditEvent.objects.create(
        at=when,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        prev_hash="0" * 64,
        hash=uuid.uuid4().hex * 2,
        **fields,
    )


def _approvals(books: Books, order: PurchaseOrder) -> None:
    """Two decided tasks on the order's requisition: a manager's (4 h), an AP manager's
    (10 h); a third decided outside the period never counts."""
    route = ApprovalRoute.objects.create(
        subject_type="requisition",
        subject_id=str(order.requisition_id),
        requester=books.org.requester,
        policy_version="v1",
        rule_id="r1",
    )
    for sequence, role, opened, hours, person in (
        (1, "manager", at(books.day0, 9), 4, books.org.manager),
        (2, "ap_manager", at(books.day0 + timedelta(days=1), 8), 10, books.org.finance),
        (3, "manager", at(books.day0 + timedelta(days=15), 8), 1, books.org.manager),
    ):
        step = ApprovalStep.objects.create(
            route=route, sequence=sequence, sla_hours=24, reason="hand-built", role=role
        )
        task = ApprovalTask.objects.create(
            step=step,
            subject_type="requisition",
            subject_id=str(order.requisition_id),
            assignee=person,
            status=ApprovalTask.Status.APPROVED,
            decided_at=opened + timedelta(hours=hours),
        )
        ApprovalTask.objects.filter(pk=task.pk).update(created_at=opened)


@pytest.fixture
def books(org: Any, in_tenant: Any) -> Books:
    with in_tenant(org.tenant):
        today = timezone.now().astimezone(UTC).date()
        day0 = today - timedelta(days=20)
        b = Books(org=org, day0=day0, first=day0, last=day0 + timedelta(days=9))
        b.supplier = Supplier.objects.create(
            name="Fabrikam Metals", country="DE", status=Supplier.Status.APPROVED
        )
        b.other_supplier = Supplier.objects.create(
            name="Tailspin Parts", country="DE", status=Supplier.Status.BLOCKED
        )
        de, us = _order(org, b.supplier, "DE01", "DE"), _order(org, b.supplier, "US01", "US")
        d = {n: day0 + timedelta(days=n) for n in range(10)}
        approved, touchless = Invoice.Status.APPROVED, {"touchless": True}
        _invoice(b, "A", arrived=at(d[1], 10), purchase_order=de, status=approved,
                 approved_at=at(d[1], 12), **touchless)  # fmt: skip
        inv_b = _invoice(b, "B", arrived=at(d[2], 10), purchase_order=de, status=approved,
                         approved_at=at(d[4], 10), channel=Invoice.Channel.UBL)  # fmt: skip
        inv_c = _invoice(b, "C", arrived=at(d[3], 10), status=Invoice.Status.EXCEPTION,
                         channel=Invoice.Channel.EMAIL, supplier=b.other_supplier)  # fmt: skip
        _invoice(b, "D", arrived=at(d[4], 10), purchase_order=de)
        _invoice(b, "F", arrived=at(day0, -0.5), purchase_order=de, status=approved,
                 approved_at=at(day0, 1), **touchless)  # fmt: skip
        _invoice(b, "G", arrived=at(d[5], 10), purchase_order=us, status=approved,
                 approved_at=at(d[6], 10), **touchless)  # fmt: skip
        _invoice(b, "H", arrived=at(d[5], 11), kind=Invoice.Kind.CREDIT_NOTE,
                 status=approved, **touchless)  # fmt: skip
        _exception(b, "price", inv_b, at(d[2], 10), code="price_variance",
                   category="commercial_mismatch", queue="buyer",
                   status=InvoiceException.Status.RESOLVED, resolution="override",
                   resolved_at=at(d[2], 20), resolved_by=org.finance)  # fmt: skip
        _exception(b, "no_po", inv_c, at(d[3], 10), code="no_po",
                   category="policy_violation", queue="procurement",
                   due_at=at(d[4], 10))  # fmt: skip
        _approvals(b, de)
        audit("requisition.approved", "requisition", de.requisition_id, at(d[1], 9),
              actor="system:policy")  # fmt: skip
        Requisition.objects.filter(pk=de.requisition_id).update(submitted_at=at(d[1], 9))
        Requisition.objects.filter(pk=us.requisition_id).update(submitted_at=at(d[2], 9))
        PurchaseOrder.objects.filter(pk=de.pk).update(issued_at=at(d[1], 15))
        PurchaseOrder.objects.filter(pk=us.pk).update(issued_at=at(d[3], 9))
        audit("invoice.exception_refused", "invoice_exception", "x", at(d[3], 11),
              actor=org.finance.email)  # fmt: skip
    return b
