"""Invoices that arrive by e-mail: every message kept as received (or, when refused, as what
AP needs to know of it), and the tenant's IMAP mailbox when the tenant reads one."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MailMessage(models.Model):
    """One e-mail to `invoices@<tenant host>`. A mail from a supplier contact whose attachments
    all became invoices is `received`; anything else waits `quarantined` on /invoices/mail/
    until AP assigns it to a supplier (its e-invoices are then imported) or discards it with a
    reason. The Message-ID is unique: the same mail twice creates nothing."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUARANTINED = "quarantined", _("Quarantined")
        ASSIGNED = "assigned", _("Assigned to a supplier")
        DISCARDED = "discarded", _("Discarded")

    # a mail is recorded `received` first (its Message-ID taken) and moves to `quarantined`
    # while it is being received when one of its e-invoices cannot be imported
    TRANSITIONS: dict[str, set[str]] = {
        Status.RECEIVED: {Status.QUARANTINED},
        Status.QUARANTINED: {Status.ASSIGNED, Status.DISCARDED},
        Status.ASSIGNED: set(),
        Status.DISCARDED: set(),
    }

    class Reason(models.TextChoices):
        UNKNOWN_SENDER = "unknown_sender", _("Sender is no supplier contact")
        SENDER_AMBIGUOUS = "sender_ambiguous", _("Sender is the contact of several suppliers")
        NO_ATTACHMENT = "no_attachment", _("No e-invoice or PDF attached")
        FORBIDDEN_ATTACHMENT = "forbidden_attachment", _("An attachment is not a PDF or XML")
        OVERSIZE = "oversize", _("The mail is too large")
        UNREADABLE = "unreadable", _("An attachment could not be imported")
        MALFORMED = "malformed", _("The mail's headers are malformed")
        SENDER_INVALID = "sender_invalid", _("The From header is not exactly one address")
        UNVERIFIED_SENDER = "unverified_sender", _("The sender could not be verified")
        RATE_LIMITED = "rate_limited", _("The sender sent more mail this hour than allowed")
        TOO_MANY_INVOICES = "too_many_invoices", _("More e-invoices in one mail than allowed")
        PLAN_LIMIT = "plan_limit", _("The plan's monthly limit of invoices is reached")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message_id = models.CharField(max_length=300, unique=True)
    source = models.CharField(max_length=10)  # smtp, imap, api
    sender = models.CharField(max_length=320, blank=True)
    # how the sender was verified ("dkim=pass header.d=contoso.test"); '' when it was not
    verified_by = models.CharField(max_length=200, blank=True)
    recipient = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # the raw message (.eml) as evidence; empty when it was refused (oversize, forbidden
    # attachment): then only what is described here is kept
    file = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # [{name, content_type, size, sha256, invoice, invoice_number, problem}]
    attachments = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "pk"]
        indexes = [
            models.Index(fields=["status", "-received_at"], name="mail_status_received"),
            # a sender's mails of the last hour (the hourly allowance)
            models.Index(fields=["sender", "received_at"], name="mail_sender_received"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"

    @property
    def assignable(self) -> bool:
        """Whether AP can file it under a supplier (`mail_assign`): quarantined, kept (a
        refused mail is only described) and with an attachment to import (whatever the reason
        it waits for: an unverified sender's mail may carry none)."""
        return (
            self.status == self.Status.QUARANTINED
            and bool(self.file)
            and any(row.get("kind") in ("pdf", "xml") for row in self.attachments)
        )


class Mailbox(models.Model):
    """The tenant's IMAP mailbox, read on a beat schedule (one per tenant). The password is
    encrypted like bank numbers (apps/suppliers/secrets.py)."""

    host = models.CharField(max_length=200)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True)
    username = models.CharField(max_length=200)
    password_encrypted = models.TextField()
    folder = models.CharField(max_length=200, default="INBOX")
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


class ReadingDraft(models.Model):
    """A mailed PDF without e-invoice data, read by the invoice-reading assistant into the
    fields of an invoice: it waits here for AP, who opens it, checks the pre-filled invoice
    form and files it (the invoice is received then, through the intake's own service) or
    discards it with a reason. Never in the ledger until a person files it."""

    class Status(models.TextChoices):
        REVIEW = "review", _("To review")
        FILED = "filed", _("Filed as an invoice")
        DISCARDED = "discarded", _("Discarded")

    TRANSITIONS: dict[str, set[str]] = {
        Status.REVIEW: {Status.FILED, Status.DISCARDED},
        Status.FILED: set(),
        Status.DISCARDED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mail = models.ForeignKey(MailMessage, on_delete=models.PROTECT, related_name="drafts")
    # the sender's supplier, else the reading's guess
    supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.CharField(max_length=300)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    # what the reading found: {fields, confidence, findings, model, source, threshold}; empty
    # when reading is switched off or the file could not be read (`problem` says why)
    reading = models.JSONField(default=dict, blank=True)
    problem = models.CharField(max_length=300, blank=True)
    advice = models.ForeignKey(
        "assistants.Advice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REVIEW)
    created_at = models.DateTimeField(auto_now_add=True)
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="draft_status_created")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"
