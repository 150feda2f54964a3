"""Price against contract at matching, and spend against the contract as invoices are
approved: a line bought from the contracted catalog is held to the contracted price even when
the order carried a wrong one; an approved invoice moves the value from committed to
invoiced."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.contracts.models import CatalogItem, Contract
from apps.contracts.services.catalog import catalog_import
from apps.contracts.services.register import contract_activate, contract_create
from apps.invoices.models import Invoice
from apps.procurement.models import PurchaseOrder
from apps.procurement.services.requisitions import requisition_create, requisition_submit

from .conftest import invoice_body
from .test_matching import codes, receive_and_match

pytestmark = pytest.mark.django_db


def contracted_order(
    aporg: Any,
    quantity: str = "10",
    *,
    currency: str = "EUR",
    price: str = "62.00",
) -> tuple[Contract, PurchaseOrder]:
    """Contoso's contract with a toner at 62.00 EUR (or `price` in `currency`), and an order
    bought from its catalog."""
    today = timezone.localdate()
    contract = contract_create(
        actor=aporg.buyer,
        data={
            "number": "CT-CONTOSO",
            "title": "Office supplies",
            "supplier": aporg.supplier.pk,
            "legal_entities": ["DE01"],
            "spend_categories": ["FAC"],
            "starts_on": today - timedelta(days=10),
            "ends_on": today + timedelta(days=300),
            "value_cap": "50000",
            "currency": currency,
        },
    )
    contract_activate(actor=aporg.buyer, contract_id=contract.pk)
    csv = (
        "contract,sku,description,unit,unit_price,currency,spend_category\n"
        f"CT-CONTOSO,TN-1,Black toner,each,{price},{currency},FAC\n"
    )
    catalog_import(actor=aporg.buyer, upload=SimpleUploadedFile("c.csv", csv.encode()))
    toner = CatalogItem.objects.get(sku="TN-1")
    draft = requisition_create(
        actor=aporg.org.requester,
        data={
            "title": "Toner",
            "cost_center": "CC-100",
            "spend_category": "FAC",
            "legal_entity": "DE01",
            "currency": currency,
            "lines": [{"catalog_item": str(toner.pk), "quantity": quantity}],
        },
    )
    requisition = requisition_submit(actor=aporg.org.requester, requisition_id=draft.pk)
    assert requisition.on_contract and requisition.status == "ordered"
    contract.refresh_from_db()
    return contract, requisition.purchase_order


def test_a_price_above_the_contract_is_a_price_variance_naming_it(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        _contract, order = contracted_order(aporg)
        receive(aporg, order, {1: "10"})
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "65.00"}))
        assert invoice.status == Invoice.Status.EXCEPTION
        exception = invoice.exceptions.get(code="price_variance")
        # one sentence naming the order's price and the contract's, the line said once
        assert exception.detail == (
            "Line 1: 65.00 invoiced, 62.00 ordered and the contract CT-CONTOSO price (30.00 over)."
        )
        assert exception.data["contract"] == "CT-CONTOSO"
        assert exception.variance_amount == Decimal("30.00")


def test_the_contract_price_holds_even_when_the_order_carried_the_wrong_price(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        _contract, order = contracted_order(aporg)
        # the order went out at 65.00 (a buyer's slip): the invoice matches the order exactly
        order.lines.update(unit_price=Decimal("65.00"))
        receive(aporg, order, {1: "10"})
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "65.00"}))
        assert codes(invoice) == {"price_variance"}
        exception = invoice.exceptions.get(code="price_variance")
        assert (
            exception.detail
            == "Line 1: 65.00 invoiced, contract CT-CONTOSO price 62.00 (30.00 over)."
        )
        line = invoice.lines.get(line_no=1)
        assert line.match_status == "matched"  # against the order it matched


def test_the_contract_price_tolerance_is_measured_on_the_contracted_value(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        _contract, order = contracted_order(aporg)
        order.lines.update(unit_price=Decimal("63.50"))  # the order matches the invoice
        receive(aporg, order, {1: "10"})
        # 15.00 over the contracted 620.00 is 2.4 %: beyond the default 2 % (and 50)
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "63.50"}))
        exception = invoice.exceptions.get(code="price_variance")
        assert "CT-CONTOSO" in exception.detail and exception.variance_amount == Decimal("15.00")


def test_an_invoice_above_the_commitment_within_tolerance_is_invoiced_in_full(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        contract, order = contracted_order(aporg)
        receive(aporg, order, {1: "10"})
        # 5.00 over the order and the contract: inside the price tolerance, approved
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "62.50"}))
        assert invoice.status == Invoice.Status.APPROVED
        contract.refresh_from_db()
        assert (contract.committed, contract.invoiced) == (Decimal("0.00"), Decimal("625.00"))
        order.requisition.refresh_from_db()
        assert order.requisition.contract_committed == 0


def test_within_the_contract_price_the_invoice_is_approved_and_consumes_the_commitment(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        contract, order = contracted_order(aporg)
        assert (contract.committed, contract.invoiced) == (Decimal("620.00"), Decimal("0"))
        receive(aporg, order, {1: "6"})
        first = receive_and_match(aporg, invoice_body(order, number="INV-C1", quantities={1: "6"}))
        assert first.status == Invoice.Status.APPROVED and first.touchless
        contract.refresh_from_db()
        assert (contract.committed, contract.invoiced) == (Decimal("248.00"), Decimal("372.00"))
        receive(aporg, order, {1: "4"})
        second = receive_and_match(aporg, invoice_body(order, number="INV-C2", quantities={1: "4"}))
        assert second.status == Invoice.Status.APPROVED
        contract.refresh_from_db()
        assert (contract.committed, contract.invoiced) == (Decimal("0.00"), Decimal("620.00"))
        assert contract.remaining == Decimal("49380.00")
        order.requisition.refresh_from_db()
        assert order.requisition.contract_committed == 0


def test_the_supplier_portal_shows_the_suppliers_own_contracts(
    aporg: Any, in_tenant: Any, api_for: Any
) -> None:
    from apps.suppliers.models import Supplier

    from .test_exceptions import portal_user_of

    with in_tenant(aporg.tenant):
        contracted_order(aporg)
        other = Supplier.objects.create(name="Northwind Traders", country="DE", status="approved")
        contract_create(
            actor=aporg.buyer,
            data={
                "number": "CT-NORTHWIND",
                "title": "Lamps",
                "supplier": other.pk,
                "legal_entities": ["DE01"],
                "spend_categories": ["FAC"],
                "starts_on": timezone.localdate(),
                "ends_on": timezone.localdate() + timedelta(days=30),
                "value_cap": "1000",
                "currency": "EUR",
            },
        )
        user = portal_user_of(aporg)
    web = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        web.force_login(user)
    home = web.get("/supplier-portal/").content.decode()
    assert "CT-CONTOSO" in home and "Office supplies" in home
    assert "CT-NORTHWIND" not in home


def test_above_both_the_order_and_the_contract_is_one_sentence(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        _contract, order = contracted_order(aporg)
        order.lines.update(unit_price=Decimal("63.00"))  # ordered above the contract too
        receive(aporg, order, {1: "10"})
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "70.00"}))
        exception = invoice.exceptions.get(code="price_variance")
        assert exception.detail == (
            "Line 1: 70.00 invoiced, 63.00 ordered (70.00 over), "
            "contract CT-CONTOSO price 62.00 (80.00 over)."
        )
        assert exception.variance_amount == Decimal("80.00")


def test_a_yen_contract_price_reads_in_whole_yen(aporg: Any, in_tenant: Any, receive: Any) -> None:
    """The sentence AP reads has the invoice currency's minor units (JPY none), never a fixed
    two decimals; the stored variance stays the number it was."""
    from apps.organization.models import FxRate

    with in_tenant(aporg.tenant):
        for quote, rate in (("EUR", "0.0062"), ("USD", "0.0068")):
            FxRate.objects.create(
                base="JPY", quote=quote, valid_on=timezone.localdate(), rate=Decimal(rate)
            )
        _contract, order = contracted_order(aporg, "5", currency="JPY", price="6200")
        order.lines.update(unit_price=Decimal("6500"))  # the order carried a wrong price
        receive(aporg, order, {1: "5"})
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "6500"}))
        exception = invoice.exceptions.get(code="price_variance")
        assert exception.detail == (
            "Line 1: 6,500 invoiced, contract CT-CONTOSO price 6,200 (1,500 over)."
        )
        assert exception.variance_amount == Decimal("1500.00")


def test_a_credit_note_on_the_contracted_order_is_not_held_to_the_contract_price(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        _contract, order = contracted_order(aporg)
        receive(aporg, order, {1: "10"})
        body = invoice_body(order, number="CN-1", prices={1: "65.00"}, quantities={1: "1"})
        note = receive_and_match(aporg, {**body, "kind": "credit_note"})
        assert note.kind == Invoice.Kind.CREDIT_NOTE
        assert not note.exceptions.exists() and note.status == Invoice.Status.APPROVED
        assert note.lines.get().match_status == "matched"
