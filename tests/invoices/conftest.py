"""Accounts-payable fixtures: the org plus AP users, an approved supplier and orders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.payments.models import PayingAccount
from apps.procurement.models import PurchaseOrder, Requisition, RequisitionLine
from apps.procurement.services.orders import purchase_order_issue
from apps.suppliers.models import BankAccount, Supplier
from apps.suppliers.secrets import encrypt, fingerprint


@dataclass
class ApOrg:
    org: Any
    tenant: Any
    clerk: Any
    clerk2: Any
    apmanager: Any
    apmanager2: Any
    buyer: Any
    receiver: Any
    compliance: Any
    supplier: Any


@pytest.fixture
def aporg(org: Any, make_user: Any, in_tenant: Any) -> ApOrg:
    tenant = org.tenant
    people = ApOrg(
        org=org,
        tenant=tenant,
        clerk=make_user(tenant, "clerk", ["ap_clerk"]),
        clerk2=make_user(tenant, "clerk2", ["ap_clerk"]),
        apmanager=org.finance,
        apmanager2=make_user(tenant, "apmanager2", ["ap_manager"]),
        buyer=org.buyer,
        receiver=org.receiver,
        compliance=make_user(tenant, "compliance", ["compliance"]),
        supplier=None,
    )
    with in_tenant(tenant):
        people.supplier = Supplier.objects.create(
            name="Contoso GmbH",
            country="DE",
            tax_id="DE136695976",
            tax_id_valid=True,
            email="billing@contoso.test",
            status=Supplier.Status.APPROVED,
            screening=Supplier.Screening.CLEAR,
        )
        for code, iban, bic in (
            ("DE01", "DE89370400440532013000", "COBADEFFXXX"),
            ("US01", "GB29NWBK60161331926819", "NWBKGB2LXXX"),
        ):
            PayingAccount.objects.create(
                legal_entity=LegalEntity.objects.get(code=code),
                name=f"Tenant {code}",
                iban=iban,
                bic=bic,
            )
    return people


def make_order(
    aporg: ApOrg,
    lines: list[tuple[str, str, str]],
    *,
    category: str = "IT-HW",
    entity: str = "DE01",
    currency: str = "EUR",
    supplier: Any = None,
) -> PurchaseOrder:
    """An issued order (arranged directly: the requisition flow has its own tests)."""
    requisition = Requisition.objects.create(
        number=f"REQ-T{Requisition.objects.count() + 1:05d}",
        title="Test order",
        requester=aporg.org.requester,
        cost_center=CostCenter.objects.get(code="CC-100"),
        spend_category=SpendCategory.objects.get(code=category),
        legal_entity=LegalEntity.objects.get(code=entity),
        currency=currency,
        supplier=supplier or aporg.supplier,
        status=Requisition.Status.APPROVED,
        total=sum(Decimal(q) * Decimal(p) for _d, q, p in lines),
    )
    RequisitionLine.objects.bulk_create(
        RequisitionLine(
            requisition=requisition,
            line_no=i,
            description=d,
            quantity=Decimal(q),
            unit_price=Decimal(p),
        )
        for i, (d, q, p) in enumerate(lines, start=1)
    )
    return purchase_order_issue(requisition=requisition)


def invoice_body(
    order: PurchaseOrder,
    *,
    number: str = "INV-1001",
    prices: dict[int, str] | None = None,
    quantities: dict[int, str] | None = None,
    on: date | None = None,
    tax: str = "19",
) -> dict[str, Any]:
    prices, quantities = prices or {}, quantities or {}
    lines, net = [], Decimal("0")
    for line in order.lines.order_by("line_no"):
        quantity = Decimal(quantities.get(line.line_no, str(line.quantity)))
        price = Decimal(prices.get(line.line_no, str(line.unit_price)))
        lines.append(
            {
                "po_line": line.pk,
                "description": line.description,
                "quantity": str(quantity),
                "unit_price": str(price),
                "tax_rate": tax,
            }
        )
        net += (quantity * price).quantize(Decimal("0.01"))
    total = net + (net * Decimal(tax) / 100).quantize(Decimal("0.01"))
    return {
        "supplier": str(order.supplier_id),
        "invoice_number": number,
        "invoice_date": (on or date.today()).isoformat(),
        "currency": order.currency,
        "purchase_order": str(order.pk),
        "lines": lines,
        "total": str(total),
    }


def add_bank_account(
    supplier: Any, *, by: Any = None, status: str = BankAccount.Status.ACTIVE
) -> BankAccount:
    return BankAccount.objects.create(
        supplier=supplier,
        account_holder=supplier.name,
        number_encrypted=encrypt("DE44500105175407324931"),
        fingerprint=fingerprint("iban", "DE44500105175407324931"),
        last4="4931",
        scheme="iban",
        bic="INGDDEFFXXX",
        bank_country="DE",
        status=status,
        requested_by=by,
        decided_by=by,
    )


@pytest.fixture
def receive(in_tenant: Any) -> Callable[..., Any]:
    from apps.procurement.services.receiving import goods_receipt_post

    def post(aporg: ApOrg, order: PurchaseOrder, quantities: dict[int, str]) -> Any:
        lines = {line.line_no: line.pk for line in order.lines.all()}
        return goods_receipt_post(
            actor=aporg.receiver,
            order_id=order.pk,
            lines=[{"po_line": lines[n], "quantity": q} for n, q in quantities.items()],
        )

    return post


def validated(body: dict[str, Any]) -> dict[str, Any]:
    """An invoice body as the API passes it to the service (validated and typed)."""
    from apps.invoices.api.serializers import InvoiceInputSerializer

    serializer = InvoiceInputSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    return dict(serializer.validated_data)


def approved_invoice(
    people: Any, post_receipt: Any, number: str, *, quantity: str = "10", entity: str = "DE01"
) -> Any:
    """An invoice matched and approved touchlessly against its own order (call in the
    tenant's context)."""
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match

    currency = "USD" if entity == "US01" else "EUR"
    order = make_order(
        people, [("Laptop stand", quantity, "45.00")], entity=entity, currency=currency
    )
    post_receipt(people, order, {1: quantity})
    created = invoice_create(actor=people.clerk, data=validated(invoice_body(order, number=number)))
    invoices_match(invoice_ids=[created.pk])
    created.refresh_from_db()
    assert created.status == "approved", created.status
    return created


def committed_ap(committed_org: dict[str, Any]) -> Any:
    """In a committed tenant (call inside its context and a transaction): an AP clerk, a
    receiver, an auditor and an approved supplier, with `people` for make_order."""
    from types import SimpleNamespace

    from apps.accounts.services import user_ensure
    from tests.conftest import PASSWORD

    supplier = Supplier.objects.create(
        name="Contoso GmbH",
        country="DE",
        tax_id="DE136695976",
        tax_id_valid=True,
        status=Supplier.Status.APPROVED,
        screening=Supplier.Screening.CLEAR,
    )
    return SimpleNamespace(
        clerk=user_ensure(email="ap@x.test", password=PASSWORD, roles=["ap_clerk"]),
        receiver=user_ensure(email="gr@x.test", password=PASSWORD, roles=["receiver"]),
        auditor=user_ensure(email="au@x.test", password=PASSWORD, roles=["auditor"]),
        supplier=supplier,
        people=SimpleNamespace(
            org=SimpleNamespace(requester=committed_org["requester"]), supplier=supplier
        ),
    )


def tolerances_published(tolerances: dict[str, Any]) -> Any:
    """Test set-up: the current tenant's published policy matches invoices under these
    tolerances (its `invoices` section replaced in place, no new version); returns it."""
    from apps.policies.models import PolicyVersion

    current = PolicyVersion.objects.filter(status="published").order_by("-number").first()
    assert current is not None
    document = {**current.document, "invoices": {"tolerances": tolerances}}
    PolicyVersion.objects.filter(pk=current.pk).update(document=document)
    return current
