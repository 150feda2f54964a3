"""Paying invoices: the accounts a legal entity pays from, payment runs and their payments
(pain.001 out), what the ERP reports paid, and the bank statements (camt.053 / camt.054)
that confirm runs. The tables were created by the invoices app and keep its names."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


class PayingAccount(models.Model):
    """The bank account a legal entity pays from (the debtor of a pain.001 file)."""

    legal_entity = models.OneToOneField(
        "organization.LegalEntity", on_delete=models.CASCADE, related_name="paying_account"
    )
    name = models.CharField(max_length=140)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11)

    class Meta:
        db_table = "invoices_payingaccount"

    def __str__(self) -> str:
        return f"{self.legal_entity_id} {self.iban[-4:]}"


class PaymentRun(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        RELEASED = "released", _("Released")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PROPOSED: {Status.RELEASED, Status.CANCELLED},
        Status.RELEASED: {Status.PAID},
        Status.PAID: set(),
        Status.CANCELLED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True)
    legal_entity = models.ForeignKey(
        "organization.LegalEntity", on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3)
    execution_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    discount_total = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    pain001 = models.TextField(blank=True)
    pain001_sha256 = models.CharField(max_length=64, blank=True)
    confirmed_by = models.CharField(max_length=200, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "invoices_paymentrun"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="payments")
    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    discount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    # the creditor account as it was when the run was released (masked; the number itself
    # goes only into the pain.001 file)
    bank_account = models.ForeignKey(
        "suppliers.BankAccount", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "invoices_payment"
        ordering = ["run", "invoice__due_date"]
        constraints = [
            models.UniqueConstraint(fields=["run", "invoice"], name="payment_run_invoice")
        ]

    def __str__(self) -> str:
        return f"{self.amount} for {self.invoice_id}"


class ErpPayment(models.Model):
    """A payment the ERP reports (`payment.executed`). Partial payments add up: the invoice is
    paid when they reach its payable amount; more than that, another currency, or a payment for
    an invoice Spendgate did not approve is an exception. Reconciliation reads these to find
    paid invoices the ERP never confirmed."""

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.PROTECT, related_name="erp_payments"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_on = models.DateField()
    reference = models.CharField(max_length=140, blank=True)
    source = models.CharField(max_length=120)  # the ERP connection, as the audit trail names it
    message_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "invoices_erppayment"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for {self.invoice_id}"


class BankStatement(models.Model):
    """A camt.053 statement or camt.054 debit notification the bank sent back, kept with its
    SHA-256: the same file twice is recognised and changes nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12)  # camt.053 or camt.054
    message_id = models.CharField(max_length=140, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    file = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # the answer given when it was read: {matched, unmatched: [{entry, reason}], …}
    result = models.JSONField(default=dict)

    class Meta:
        db_table = "invoices_bankstatement"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class StatementEntry(models.Model):
    """One debit of a statement, by the end-to-end id our pain.001 wrote (or the run's batch
    id), and what became of it: matched to a payment of a released run, already confirmed
    before, or listed for AP with the reason it could not be matched."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("Matched")
        ALREADY = "already_confirmed", _("Already confirmed")
        UNMATCHED = "unmatched", _("Not matched")

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="entries")
    reference = models.CharField(max_length=140, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    booked_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="statement_entries"
    )

    class Meta:
        db_table = "invoices_statemententry"
        ordering = ["statement", "pk"]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency}"
