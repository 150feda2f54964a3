"""Paying is its own app one layer above invoices, and its tables are those the invoices app
created: moving the code moved no row (migrations payments 0001 and invoices 0010 change
Django's state only)."""

from __future__ import annotations

from django.apps import apps


def test_the_payment_models_belong_to_payments_and_keep_their_tables() -> None:
    tables = {
        model.__name__: model._meta.db_table
        for model in apps.get_app_config("payments").get_models()
    }
    assert tables == {
        "PayingAccount": "invoices_payingaccount",
        "PaymentRun": "invoices_paymentrun",
        "Payment": "invoices_payment",
        "ErpPayment": "invoices_erppayment",
        "BankStatement": "invoices_bankstatement",
        "StatementEntry": "invoices_statemententry",
    }
    invoices = {model.__name__ for model in apps.get_app_config("invoices").get_models()}
    assert invoices.isdisjoint(tables)
