from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CURRENCY = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as EUR."))
ZERO = Decimal("0")


def contract_document_path(instance: Contract, filename: str) -> str:
    # the storage adds the tenant's prefix; the stored name is ours, never the uploader's
    return f"contracts/{instance.pk}/{filename}"


class Contract(models.Model):
    """A supplier contract: who it binds, what it covers, for how long and up to what value.
    Spend against it is kept in its currency: `committed` (submitted requisitions and their
    orders, not yet invoiced) and `invoiced` (approved invoices)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    # A draft is activated (through an approval route when its value is above the policy's
    # threshold); an active contract ends by its date (expired) or early (terminated).
    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.ACTIVE, Status.TERMINATED},
        Status.PENDING_APPROVAL: {Status.ACTIVE, Status.DRAFT},  # approved, or rejected
        Status.ACTIVE: {Status.EXPIRED, Status.TERMINATED},
        Status.EXPIRED: set(),
        Status.TERMINATED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, related_name="contracts"
    )
    legal_entities = models.ManyToManyField("organization.LegalEntity", related_name="+")
    spend_categories = models.ManyToManyField("organization.SpendCategory", related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    notice_days = models.PositiveIntegerField(default=0)
    auto_renew = models.BooleanField(default=False)
    renewal_months = models.PositiveSmallIntegerField(default=12)
    value_cap = models.DecimalField(
        max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(max_length=3, validators=[CURRENCY])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    committed = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    invoiced = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    # the signed document (checked like supplier documents: PDF, PNG or JPEG by content)
    document = models.FileField(upload_to=contract_document_path, max_length=300, blank=True)
    document_name = models.CharField(max_length=150, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    document_size = models.PositiveIntegerField(default=0)
    policy_version = models.CharField(max_length=16, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["supplier", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def remaining(self) -> Decimal:
        return self.value_cap - self.committed - self.invoiced


class ContractAmendment(models.Model):
    """One change to a contract after it was drafted: what changed (before, after) and why."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    sequence = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    changes = models.JSONField(default=dict)
    actor = models.CharField(max_length=254)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="contract_amendment_seq")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.sequence}"


class ContractAlert(models.Model):
    """An alert owed before a contract's end: the notice date (`kind` notice) or 30/14/7 days
    ahead. One row per (contract, end date, kind, days): each is sent once, and a renewal (a
    new end date) owes them again."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="alerts")
    ends_on = models.DateField()
    kind = models.CharField(max_length=10)  # notice | end
    days_before = models.IntegerField()
    sent = models.BooleanField(default=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "ends_on", "kind", "days_before"], name="contract_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.kind} {self.days_before}"


class CatalogItem(models.Model):
    """An item at its contracted price: what the requisition form offers as you type."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="items")
    sku = models.CharField(max_length=60, blank=True)
    description = models.CharField(max_length=300)
    unit = models.CharField(max_length=20, default="each")
    unit_price = models.DecimalField(
        max_digits=16, decimal_places=4, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, validators=[CURRENCY])
    spend_category = models.ForeignKey(
        "organization.SpendCategory", on_delete=models.PROTECT, related_name="+"
    )
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["description"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "sku"],
                condition=~models.Q(sku=""),
                name="catalog_item_sku_per_contract",
            )
        ]

    def __str__(self) -> str:
        return self.description
