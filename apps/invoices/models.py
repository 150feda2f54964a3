from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")
CENT = Decimal("0.01")
ERP_DOCUMENT_LENGTH = 60  # an ERP number longer than this is refused, never cut


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        EXCEPTION = "exception", _("Exception")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", _("Rejected")

    class Channel(models.TextChoices):
        API = "api", _("API")
        PORTAL = "portal", _("Supplier portal")
        UBL = "ubl", _("UBL / Peppol")
        CII = "cii", _("CII / XRechnung")
        FACTURX = "facturx", _("Factur-X")
        CSV = "csv", _("CSV")
        EMAIL = "email", _("E-mail")

    # Matching decides where a received invoice goes; a resolved exception sends it back to
    # received for another match. Approved invoices are paid through a payment run
    # (apps.payments).
    TRANSITIONS: dict[str, set[str]] = {
        Status.RECEIVED: {
            Status.EXCEPTION,
            Status.PENDING_APPROVAL,
            Status.APPROVED,
            Status.REJECTED,
        },
        Status.EXCEPTION: {Status.RECEIVED, Status.REJECTED},
        Status.PENDING_APPROVAL: {Status.APPROVED, Status.REJECTED, Status.RECEIVED},
        Status.APPROVED: {Status.PAID},
        Status.PAID: set(),
        Status.REJECTED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    # indexed by the (supplier, ...) indexes below: every index is paid on each status change
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    invoice_number = models.CharField(max_length=60)
    # case, spaces, separators, leading zeros and INV prefixes removed (duplicate detection)
    number_key = models.CharField(max_length=60)
    invoice_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    purchase_order = models.ForeignKey(
        "procurement.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    po_reference = models.CharField(max_length=60, blank=True)
    # the three references below are mostly empty: their indexes are partial (Meta), so an
    # invoice without one costs no index entry when its status changes
    credited_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        db_index=False,
    )
    billing_reference = models.CharField(max_length=60, blank=True)
    seller_tax_id = models.CharField(max_length=40, blank=True)
    seller_name = models.CharField(max_length=200, blank=True)
    lines_total = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    allowance_total = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    charge_total = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=16, decimal_places=2)
    prepaid = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    payable = models.DecimalField(max_digits=16, decimal_places=2)
    # tax breakdown as stated on the document: [{category, rate, taxable, tax}]
    tax_breakdown = models.JSONField(default=list, blank=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    discount_until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    touchless = models.BooleanField(default=False)
    # set when the ERP reports the invoice posted (its document number); unposted approved
    # invoices are what `invoices/export/?posted=false` hands an ERP that pulls
    erp_document_number = models.CharField(max_length=ERP_DOCUMENT_LENGTH, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    # a header-level variance a person accepted (line-level ones live on the lines)
    accepted_header_variance = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    touched = models.BooleanField(default=False, help_text=_("a person resolved something"))
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # the e-invoice profile the file declared ("Factur-X MINIMUM", "XRechnung", …); a
    # header-only profile carries totals and tax breakdown but no lines
    profile = models.CharField(max_length=40, blank=True)
    header_only = models.BooleanField(default=False)
    file = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_content_type = models.CharField(max_length=100, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    policy_version = models.CharField(max_length=16, blank=True)
    # not indexed: nothing looks invoices up by who received them, and every invoice written
    # (received, or its status moved by matching) would pay for the index
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # when last matched; set once its lines have results (LineMatch), which the matching
    # statement relies on to insert a first match's results without an upsert
    matched_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["supplier", "number_key"]),
            models.Index(fields=["supplier", "invoice_date"]),
            models.Index(fields=["total", "invoice_date"]),
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["file_sha256"], name="invoice_file_sha256"),
            *(
                models.Index(
                    fields=[field],
                    name=f"invoice_{field}_set",
                    condition=models.Q(**{f"{field}__isnull": False}),
                )
                for field in ("credited_invoice", "duplicate_of", "approved_by")
            ),
            # insights' periods (docs/insights.md): arrival follows the table's physical order,
            # so a block-range index finds a month among millions at almost no write cost
            BrinIndex(fields=["created_at"], name="invoice_created_brin"),
            models.Index(
                fields=["paid_at"],
                name="invoice_paid_at",
                condition=models.Q(paid_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number} ({self.supplier_id})"


class MatchStatus(models.TextChoices):
    PENDING = "pending", _("Not matched yet")
    MATCHED = "matched", _("Matched")
    WITHIN_TOLERANCE = "within_tolerance", _("Within tolerance")
    VARIANCE = "variance", _("Variance")
    ACCEPTED = "accepted", _("Variance accepted")
    UNMATCHED = "unmatched", _("No order line")


class InvoiceLine(models.Model):
    Match = MatchStatus

    # indexed by the (invoice, line_no) constraint below
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    line_no = models.PositiveSmallIntegerField()
    po_line = models.ForeignKey(
        "procurement.PurchaseOrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    order_line_reference = models.CharField(max_length=60, blank=True)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    net_amount = models.DecimalField(max_digits=16, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    tax_category = models.CharField(max_length=4, blank=True)
    # variances a person accepted, by exception code ({"price_variance": "48.00"}): matching
    # reads them, so a re-match keeps an accepted variance accepted
    accepted = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["invoice", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoice_line_no")
        ]

    def __str__(self) -> str:
        return self.description

    # The line's latest match lives in LineMatch (one narrow row per line, written by the
    # matching statement). These read it, so pages, the API and evidence packs speak of
    # `line.match_status` and friends; load lines with select_related("match").
    @property
    def result(self) -> LineMatch | None:
        try:
            return self.match
        except LineMatch.DoesNotExist:
            return None

    @property
    def match_status(self) -> str:
        result = self.result
        return MatchStatus.PENDING if result is None else result.status

    def get_match_status_display(self) -> str:
        return str(MatchStatus(self.match_status).label)

    @property
    def match_kind(self) -> str:
        result = self.result
        return "" if result is None else result.kind

    @property
    def price_variance(self) -> Decimal:
        result = self.result
        return ZERO if result is None else result.price_variance

    @property
    def quantity_variance(self) -> Decimal:
        result = self.result
        return ZERO if result is None else result.quantity_variance

    @property
    def match_policy_version(self) -> str:
        result = self.result
        return "" if result is None else result.policy_version

    @property
    def match_detail(self) -> dict[str, object]:
        """What the line was compared with, as text, and any variance a person accepted."""
        result = self.result
        detail: dict[str, object] = {}
        if result is not None and result.status == MatchStatus.UNMATCHED:
            detail = {"reason": "not on the order"}
        elif result is not None and result.order_line_no is not None:
            detail = {
                "order_line": result.order_line_no,
                "ordered_quantity": str(result.ordered_quantity),
                "received_quantity": str(result.received_quantity),
                "invoiced_before": str(result.invoiced_before),
                "order_unit_price": str(result.order_unit_price),
            }
        if self.accepted:
            detail["accepted"] = self.accepted
        return detail


class LineMatch(models.Model):
    """The latest match of one invoice line: its status, the variance amounts, what it was
    compared with (the order line, what was ordered, received and already invoiced, the
    order price) and the policy version whose tolerances applied. Kept apart from the line
    so that matching a batch inserts narrow rows instead of rewriting wide ones."""

    # No database foreign key: its check would lock every matched line at commit, costing
    # more than writing the results. Rows are written only by the matching statement, for
    # lines it has just read under its invoices' locks; lines are never deleted but with
    # their invoice, and the ORM cascade removes the results with them.
    line = models.OneToOneField(
        InvoiceLine,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="match",
        db_constraint=False,
    )
    status = models.CharField(max_length=20, choices=MatchStatus.choices)
    kind = models.CharField(max_length=10, blank=True)  # two_way | three_way
    price_variance = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    quantity_variance = models.DecimalField(max_digits=12, decimal_places=3, default=ZERO)
    order_line_no = models.PositiveSmallIntegerField(null=True, blank=True)
    ordered_quantity = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    received_quantity = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    invoiced_before = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    order_unit_price = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    policy_version = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"{self.line_id}: {self.status}"


class InvoiceException(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITING_SUPPLIER = "waiting_supplier", _("Waiting for the supplier")
        PENDING_SECOND = "pending_second", _("Waiting for a second person")
        RESOLVED = "resolved", _("Resolved")

    TRANSITIONS: dict[str, set[str]] = {
        Status.OPEN: {Status.WAITING_SUPPLIER, Status.PENDING_SECOND, Status.RESOLVED},
        Status.WAITING_SUPPLIER: {Status.OPEN, Status.RESOLVED},
        Status.PENDING_SECOND: {Status.OPEN, Status.RESOLVED},
        Status.RESOLVED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="exceptions")
    line = models.ForeignKey(
        InvoiceLine, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(max_length=30)
    category = models.CharField(max_length=30)
    queue = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    detail = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    # the variance a person would accept, in the invoice currency (0 when not a variance)
    variance_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_version = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    # set once by the SLA sweep when the exception passed due_at still open
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=30, blank=True)
    resolution_comment = models.TextField(blank=True)
    first_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "queue"]),
            models.Index(fields=["code", "status"]),
            models.Index(fields=["status", "due_at"]),
            BrinIndex(fields=["created_at"], name="exception_created_brin"),
            models.Index(
                fields=["resolved_at"],
                name="exception_resolved_at",
                condition=models.Q(resolved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.invoice_id}"


class ExceptionComment(models.Model):
    exception = models.ForeignKey(
        InvoiceException, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:40]


class CreditNoteRequest(models.Model):
    """Asked of the supplier from an exception; the supplier sees it in the portal and a
    credit note that references the invoice settles it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        RECEIVED = "received", _("Credit note received")

    TRANSITIONS: dict[str, set[str]] = {
        Status.REQUESTED: {Status.RECEIVED},
        Status.RECEIVED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="credit_requests")
    exception = models.ForeignKey(InvoiceException, on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    credit_note = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.amount} for {self.invoice_id}"
