"""Arrival checks whose findings no other test raises: each one through intake, with the
invoice that does not raise it beside it (the others are held in test_intake, test_einvoices,
test_credit_notes, tests/suppliers; the amount and timing signals in test_signals)."""

from __future__ import annotations

from typing import Any

from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.suppliers.models import BankAccount, Supplier
from apps.suppliers.secrets import encrypt, fingerprint

from .conftest import add_bank_account, invoice_body, make_order, validated


def _create(aporg: Any, body: dict[str, Any]) -> Invoice:
    return invoice_create(actor=aporg.clerk, data=validated(body))


def _codes(invoice: Invoice) -> set[str]:
    return set(invoice.exceptions.values_list("code", flat=True))


def test_a_supplier_not_approved_is_found(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Cable", "10", "12.00")])
        assert "supplier_not_approved" not in _codes(_create(aporg, invoice_body(order)))
        Supplier.objects.filter(pk=aporg.supplier.pk).update(
            status=Supplier.Status.PENDING_APPROVAL
        )
        held = _create(aporg, invoice_body(order, number="INV-2", quantities={1: "3"}))
        finding = held.exceptions.get(code="supplier_not_approved")
        assert finding.detail == "Contoso GmbH is Pending approval, not approved."


def test_an_invoice_in_another_currency_than_its_order_is_found(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Cable", "10", "12.00")])
        assert "currency_mismatch" not in _codes(_create(aporg, invoice_body(order)))
        body = {**invoice_body(order, number="INV-2", quantities={1: "3"}), "currency": "USD"}
        finding = _create(aporg, body).exceptions.get(code="currency_mismatch")
        assert finding.detail == "Invoiced in USD, ordered in EUR."


def test_bank_details_changed_recently_are_found_but_not_the_first_account(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Cable", "10", "12.00")])
        add_bank_account(aporg.supplier)  # the first account a supplier gives is no change
        assert "bank_details_changed" not in _codes(_create(aporg, invoice_body(order)))
        BankAccount.objects.create(
            supplier=aporg.supplier,
            account_holder=aporg.supplier.name,
            number_encrypted=encrypt("DE89370400440532013000"),
            fingerprint=fingerprint("iban", "DE89370400440532013000"),
            last4="3000",
            scheme="iban",
            bic="COBADEFFXXX",
            bank_country="DE",
            status=BankAccount.Status.PENDING_VERIFICATION,
        )
        held = _create(aporg, invoice_body(order, number="INV-2", quantities={1: "3"}))
        finding = held.exceptions.get(code="bank_details_changed")
        assert finding.detail == (
            "Bank details of Contoso GmbH changed in the last 30 days; confirm before paying."
        )
