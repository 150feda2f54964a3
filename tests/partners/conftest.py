"""Usage and plans: a hand-built month in tenant_a whose figures are known, in the tenant's own
time zone (Europe/Berlin): rows made directly with the timestamps the figures read, and rows
just outside the month (by an hour either side of a local midnight) that must not count.

October 2026 in Berlin runs from 2026-09-30 22:00 UTC (summer time) to 2026-10-31 23:00 UTC
(winter time). Known answers: active users 2 (requester, approver; the buyer signed in only
in September, a supplier's portal user and a service account are no people of the plan);
requisitions 2; purchase orders 1; invoices api 2, email 1 (a credit note aside); e-mails 2
(one filed, one quarantined)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import MonthlySignIn, User
from apps.inbox.models import MailMessage
from apps.invoices.models import Invoice
from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.procurement.models import PurchaseOrder, Requisition
from apps.suppliers.models import Supplier
from tests.conftest import PASSWORD
from tests.invoices.conftest import aporg

__all__ = ["aporg"]

MONTH = date(2026, 10, 1)
FIRST = datetime(2026, 9, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 October in Berlin
BEFORE = datetime(2026, 9, 30, 21, 30, tzinfo=UTC)  # 23:30 on 30 September in Berlin
LAST = datetime(2026, 10, 31, 22, 30, tzinfo=UTC)  # 23:30 on 31 October in Berlin
AFTER = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 November in Berlin
_serial = itertools.count(1)


def partner_client(email: str) -> APIClient:
    client = APIClient(HTTP_HOST="localhost")
    response = client.post(
        "/api/v1/auth/token/", {"username": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def requisition(org: Any, created: datetime) -> Requisition:
    found = Requisition.objects.create(
        number=f"U-{next(_serial)}",
        title="Toner",
        requester=org.requester,
        cost_center=CostCenter.objects.get(code="CC-100"),
        spend_category=SpendCategory.objects.get(code="IT-HW"),
        legal_entity=LegalEntity.objects.get(code="US01"),
        currency="USD",
    )
    Requisition.objects.filter(pk=found.pk).update(created_at=created)
    return found


def purchase_order(org: Any, supplier: Supplier, issued: datetime) -> None:
    req = requisition(org, BEFORE)
    order = PurchaseOrder.objects.create(
        number=f"PO-U{next(_serial)}",
        requisition=req,
        supplier=supplier,
        legal_entity=req.legal_entity,
        currency="USD",
        total=Decimal("10.00"),
    )
    PurchaseOrder.objects.filter(pk=order.pk).update(issued_at=issued)


def invoice(supplier: Supplier, created: datetime, channel: str, kind: str = "invoice") -> None:
    n = next(_serial)
    found = Invoice.objects.create(
        supplier=supplier,
        kind=kind,
        invoice_number=f"U-{n}",
        number_key=f"u{n}",
        invoice_date=created.date(),
        currency="USD",
        total=Decimal("100.00"),
        payable=Decimal("100.00"),
        channel=channel,
    )
    Invoice.objects.filter(pk=found.pk).update(created_at=created)


def mail(received: datetime, status: str) -> None:
    found = MailMessage.objects.create(
        message_id=f"u{next(_serial)}@contoso.test",
        source="api",
        status=status,
        reason="unknown_sender" if status == "quarantined" else "",
    )
    MailMessage.objects.filter(pk=found.pk).update(received_at=received)


@pytest.fixture
def month_built(org: Any, make_user: Any, in_tenant: Any) -> Any:
    """tenant_a in Berlin with October 2026 built (see the module's docstring)."""
    tenant = org.tenant
    tenant.time_zone = "Europe/Berlin"
    tenant.save(update_fields=["time_zone"])
    contact = make_user(tenant, "contact", ["supplier"])
    with in_tenant(tenant):
        service = User.objects.create(email="robot@a.test", is_service_account=True)
        supplier = Supplier.objects.create(
            name="Usage Supplies", country="DE", status=Supplier.Status.APPROVED
        )
        for user, at in (
            (org.requester, FIRST),
            (org.approver, LAST),
            (contact, FIRST),
            (service, FIRST),
        ):
            MonthlySignIn.objects.create(user=user, month=MONTH, first_at=at, last_at=at)
        MonthlySignIn.objects.create(
            user=org.buyer, month=date(2026, 9, 1), first_at=BEFORE, last_at=BEFORE
        )
        requisition(org, FIRST)
        requisition(org, LAST)
        requisition(org, AFTER)  # BEFORE: the purchase orders' requisitions below
        purchase_order(org, supplier, LAST)
        purchase_order(org, supplier, AFTER)
        invoice(supplier, FIRST, "api")
        invoice(supplier, LAST, "api")
        invoice(supplier, datetime(2026, 10, 15, 9, tzinfo=UTC), "email")
        invoice(supplier, datetime(2026, 10, 15, 9, tzinfo=UTC), "api", kind="credit_note")
        invoice(supplier, BEFORE, "api")
        invoice(supplier, AFTER, "email")
        mail(FIRST, "received")
        mail(LAST, "quarantined")
        mail(BEFORE, "received")
        mail(AFTER, "quarantined")
    return tenant
