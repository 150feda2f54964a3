from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CURRENCY = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as EUR."))
CENT = Decimal("0.01")


class Requisition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        ORDERED = "ordered", _("Ordered")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    # The whole life of a requisition. Editing is possible only in draft; a change after
    # submission means withdrawing it (back to draft), which restarts the route.
    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.CANCELLED},
        Status.PENDING_APPROVAL: {Status.APPROVED, Status.REJECTED, Status.DRAFT, Status.CANCELLED},
        # approved without a supplier: a buyer chooses one (or the route starts again when
        # that supplier needs other approvals); the requester may still cancel
        Status.APPROVED: {Status.ORDERED, Status.PENDING_APPROVAL, Status.CANCELLED},
        Status.ORDERED: set(),
        Status.REJECTED: set(),
        Status.CANCELLED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    justification = models.TextField(blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requisitions"
    )
    cost_center = models.ForeignKey(
        "organization.CostCenter", on_delete=models.PROTECT, related_name="+"
    )
    spend_category = models.ForeignKey(
        "organization.SpendCategory", on_delete=models.PROTECT, related_name="+"
    )
    legal_entity = models.ForeignKey(
        "organization.LegalEntity", on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3, validators=[CURRENCY])
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requisitions",
    )
    # the contract bought under (checked at submission: apps.contracts.rules); the free-text
    # note is only a note and never makes a requisition "on contract"
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requisitions",
    )
    contract_note = models.CharField(max_length=60, blank=True)
    # decided at submission: within the linked contract's terms; or bought off contract
    # although an active contract with the supplier covered the category (maverick)
    on_contract = models.BooleanField(default=False)
    maverick = models.BooleanField(default=False)
    # held against the contract (its currency) until invoiced, released if it never is
    contract_committed = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    need_by = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    # set at submission, from the dated FX table
    entity_total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    fx_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    policy_version = models.CharField(max_length=16, blank=True)
    budget = models.ForeignKey(
        "organization.Budget", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    budget_committed = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requester", "-created_at"]),
            models.Index(fields=["status"]),
            # insights' requisition figures read those submitted in a period
            models.Index(
                fields=["submitted_at"],
                name="requisition_submitted_at",
                condition=models.Q(submitted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class RequisitionLine(models.Model):
    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    unit_price = models.DecimalField(
        max_digits=16, decimal_places=4, validators=[MinValueValidator(0)]
    )
    # a price of 0 is taken only when the requester says so (a sample, a warranty replacement)
    free_of_charge = models.BooleanField(default=False)
    catalog_item = models.ForeignKey(
        "contracts.CatalogItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requisition", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "line_no"], name="requisition_line_no")
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


class NumberSequence(models.Model):
    """Gap-free document numbers; the row is locked while a number is taken."""

    key = models.CharField(max_length=40, unique=True)
    next_value = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.key}: {self.next_value}"


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        PARTIALLY_RECEIVED = "partially_received", _("Partially received")
        RECEIVED = "received", _("Received")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: dict[str, set[str]] = {
        Status.ISSUED: {
            Status.PARTIALLY_RECEIVED,
            Status.RECEIVED,
            Status.CLOSED,
            Status.CANCELLED,
        },
        # a return (negative receipt) can take an order back a step
        Status.PARTIALLY_RECEIVED: {Status.ISSUED, Status.RECEIVED, Status.CLOSED},
        Status.RECEIVED: {Status.PARTIALLY_RECEIVED, Status.CLOSED},
        Status.CLOSED: set(),
        Status.CANCELLED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True)
    requisition = models.OneToOneField(
        Requisition, on_delete=models.PROTECT, related_name="purchase_order"
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_entity = models.ForeignKey(
        "organization.LegalEntity", on_delete=models.PROTECT, related_name="+"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    currency = models.CharField(max_length=3, validators=[CURRENCY])
    total = models.DecimalField(max_digits=16, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    line_no = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    received_quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    # bought from the contracted catalog: matching also holds invoices to its contracted price
    catalog_item = models.ForeignKey(
        "contracts.CatalogItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["purchase_order", "line_no"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class GoodsReceipt(models.Model):
    """What arrived (or went back: a return is a receipt with negative quantities)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True)
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    is_return = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    policy_version = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.number


class GoodsReceiptLine(models.Model):
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["receipt", "po_line__line_no"]

    def __str__(self) -> str:
        return f"{self.po_line_id}: {self.quantity}"
