"""What the AI assistants advised and what people did with it (docs/ai.md). An assistant
never writes anywhere else: the advice is shown, a person decides."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Assistant(models.TextChoices):
    SPEND_CODING = "spend_coding", _("Spend coding")
    INVOICE_READING = "invoice_reading", _("Invoice reading")
    EXCEPTION_ADVICE = "exception_advice", _("Exception advice")
    ROUTING = "routing", _("Routing")
    ANOMALY = "anomaly", _("Anomaly signals")
    SUPPLIER_ANSWERS = "supplier_answers", _("Supplier answers")


class Advice(models.Model):
    """One piece of advice shown to one person: which assistant and model gave it, a digest
    of what it was given, what it said and how sure it was; later, whether the person
    followed it or decided otherwise."""

    class Status(models.TextChoices):
        SHOWN = "shown", _("Shown")
        FOLLOWED = "followed", _("Followed")
        OVERRIDDEN = "overridden", _("Overridden")

    TRANSITIONS: dict[str, set[str]] = {
        Status.SHOWN: {Status.FOLLOWED, Status.OVERRIDDEN},
        Status.FOLLOWED: set(),
        Status.OVERRIDDEN: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assistant = models.CharField(max_length=20, choices=Assistant.choices)
    model_version = models.CharField(max_length=80)
    # what the advice is about ("requisition", "invoice", "exception", "supplier_question", or
    # "draft" for a form not saved yet) and its id
    subject_type = models.CharField(max_length=30)
    subject_id = models.CharField(max_length=64, blank=True)
    inputs_digest = models.CharField(max_length=64)  # sha256 of the canonical inputs
    output = models.JSONField()
    confidence = models.FloatField(null=True, blank=True)
    shown_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shown_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SHOWN)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # what the person chose instead, when it differs (a category code, a resolution)
    outcome_detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-shown_at", "pk"]
        indexes = [
            models.Index(fields=["assistant", "shown_at"], name="advice_assistant_at"),
            models.Index(fields=["subject_type", "subject_id"], name="advice_subject"),
        ]

    SUBJECTS = {
        "requisition": _("a requisition"),
        "draft": _("a form being filled in"),
        "invoice": _("an invoice"),
        "exception": _("an exception"),
        "supplier_question": _("a supplier's question"),
    }

    def __str__(self) -> str:
        return f"{self.assistant} on {self.subject_type} {self.subject_id}"

    def get_subject_label(self) -> str:
        return str(self.SUBJECTS.get(self.subject_type, _("something else")))


class TrainedModel(models.Model):
    """A model an assistant trained on this tenant's own history: the newest version is the
    one in use. `blob` is written only by the training job of this code (joblib), never
    uploaded."""

    assistant = models.CharField(max_length=20, choices=Assistant.choices)
    version = models.PositiveIntegerField()
    trained_at = models.DateTimeField()
    samples = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict, blank=True)
    blob = models.BinaryField()
    # an HMAC of the blob under the server's secret key: a blob that did not come from this
    # server's training (a restored or altered row) is never unpickled
    signature = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["assistant", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["assistant", "version"], name="one_model_version")
        ]

    def __str__(self) -> str:
        return f"{self.assistant} v{self.version}"


class SupplierQuestion(models.Model):
    """A supplier's question about one of its invoices or payments, asked in the portal: the
    assistant answered it from the facts that supplier may see, or handed it to AP, who reply
    (the reply shows in the supplier's portal)."""

    class Status(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        HANDED_TO_AP = "handed_to_ap", _("With accounts payable")
        CLOSED = "closed", _("Closed")

    # an answer the supplier finds wanting goes to AP; AP's reply closes a question
    TRANSITIONS: dict[str, set[str]] = {
        Status.ANSWERED: {Status.HANDED_TO_AP, Status.CLOSED},
        Status.HANDED_TO_AP: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.CASCADE, related_name="questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    language = models.CharField(max_length=2, blank=True)
    answer = models.TextField(blank=True)
    status = models.CharField(max_length=14, choices=Status.choices)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply = models.TextField(blank=True)
    asked_at = models.DateTimeField()
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "pk"]
        indexes = [
            models.Index(fields=["status", "asked_at"], name="question_status_at"),
            models.Index(fields=["supplier", "asked_at"], name="question_supplier_at"),
        ]

    def __str__(self) -> str:
        return self.text[:40]
