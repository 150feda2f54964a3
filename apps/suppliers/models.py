from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DOCUMENT_TYPES = [
    ("w9", _("W-9 (US taxpayer)")),
    ("w8ben", _("W-8BEN (foreign taxpayer)")),
    ("vat_certificate", _("VAT registration certificate")),
    ("insurance_certificate", _("Certificate of insurance")),
    ("bank_letter", _("Bank confirmation letter")),
    ("other", _("Other")),
]


class Supplier(models.Model):
    """A supplier company and its onboarding case: profile, checks, risk and status."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ONBOARDING = "onboarding", _("Onboarding")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        BLOCKED = "blocked", _("Blocked")

    # the supplier lifecycle (docs/suppliers.md draws it)
    TRANSITIONS: dict[str, set[str]] = {
        Status.INVITED: {Status.ONBOARDING, Status.BLOCKED},
        Status.ONBOARDING: {Status.PENDING_APPROVAL, Status.BLOCKED},
        Status.PENDING_APPROVAL: {
            Status.APPROVED,
            Status.REJECTED,
            Status.ONBOARDING,
            Status.BLOCKED,
        },
        Status.APPROVED: {Status.BLOCKED},
        Status.REJECTED: {Status.ONBOARDING},
        Status.BLOCKED: {Status.ONBOARDING},
    }

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Compliance(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        NON_COMPLIANT = "non_compliant", _("Non-compliant")

    class Screening(models.TextChoices):
        NOT_SCREENED = "not_screened", _("Not screened")
        CLEAR = "clear", _("Clear")
        POTENTIAL_MATCH = "potential_match", _("Potential match: in review")
        CONFIRMED_MATCH = "confirmed_match", _("Confirmed match")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    tax_id = models.CharField(max_length=40, blank=True)
    # the supplier's number in the client's ERP, carried in posting data (docs/integrations.md)
    erp_reference = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    category = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True, help_text="the number bank call-backs use")
    website = models.URLField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    risk_tier = models.CharField(max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    risk_score = models.PositiveSmallIntegerField(default=0)
    # [{"code": "country_high_risk", "points": 30, "detail": "…"}]
    risk_reasons = models.JSONField(default=list, blank=True)
    # the badge (compliance_given): approved, clear of sanctions hits, documents valid;
    # set when the supplier is invited and recomputed by every status step and checks run
    compliance = models.CharField(
        max_length=16, choices=Compliance.choices, default=Compliance.COMPLIANT
    )
    screening = models.CharField(
        max_length=20, choices=Screening.choices, default=Screening.NOT_SCREENED
    )
    tax_id_valid = models.BooleanField(null=True, blank=True)
    # the document types the policy requires of this supplier, and the version that said so
    required_documents = models.JSONField(default=list, blank=True)
    policy_version = models.CharField(max_length=16, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    bank_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    # ----------------------------------------------------------- who may be bought from
    # One rule, read by the requisition form and API, sourcing, the catalog and PO issue:
    # approved, with no open sanctions hit, and compliant where the policy blocks orders to
    # non-compliant suppliers (`suppliers.non_compliant_orders`, docs/suppliers.md).

    @classmethod
    def selectable_q(cls, *, documents_required: bool = True) -> models.Q:
        """`not_selectable_because() is None`, as a filter on suppliers."""
        open_hit = ScreeningHit.objects.filter(
            supplier=models.OuterRef("pk"), status=ScreeningHit.Status.OPEN
        )
        selectable = (
            models.Q(status=cls.Status.APPROVED)
            & ~models.Q(screening__in=cls.FLAGGED)
            & ~models.Q(models.Exists(open_hit))
        )
        if documents_required:
            selectable &= models.Q(compliance=cls.Compliance.COMPLIANT)
        return selectable

    # the screening results that hold a supplier, whatever its status
    FLAGGED = ("potential_match", "confirmed_match")

    def not_selectable_because(self, *, documents_required: bool = True) -> str | None:
        """Why this supplier may not be named on a requisition or receive an order, in words
        that follow its name ("… has an open sanctions hit"); None when it may."""
        if self.status in (self.Status.BLOCKED, self.Status.REJECTED):
            return str(_("is %s") % self.get_status_display().lower())
        if self.screening == self.Screening.CONFIRMED_MATCH:
            return str(_("has a confirmed sanctions match"))
        if (
            self.screening == self.Screening.POTENTIAL_MATCH
            or self.screening_hits.filter(status=ScreeningHit.Status.OPEN).exists()
        ):
            return str(_("has an open sanctions hit"))
        if self.status in (self.Status.INVITED, self.Status.ONBOARDING):
            return str(_("is still onboarding"))
        if self.status == self.Status.PENDING_APPROVAL:
            return str(_("is waiting for onboarding approval"))
        if documents_required and self.compliance != self.Compliance.COMPLIANT:
            return str(_("is non-compliant: a required document is missing or expired"))
        return None

    def compliance_given(self, *, documents_valid: bool) -> str:
        """The compliance badge: compliant only when approved, clear of sanctions hits and
        holding every required document, valid. Stored (`compliance`), recomputed by the
        checks run and by every status step."""
        clear = self.screening not in self.FLAGGED and not (
            self.pk and self.screening_hits.filter(status=ScreeningHit.Status.OPEN).exists()
        )
        compliant = self.status == self.Status.APPROVED and clear and documents_valid
        return self.Compliance.COMPLIANT if compliant else self.Compliance.NON_COMPLIANT

    @property
    def registered_address(self) -> SupplierAddress | None:
        """From the prefetched addresses (no query of its own when they are prefetched)."""
        return next(
            (a for a in self.addresses.all() if a.kind == SupplierAddress.Kind.REGISTERED), None
        )


class SupplierAddress(models.Model):
    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered office")
        REMIT_TO = "remit_to", _("Remit-to")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.REGISTERED)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "kind"], name="supplier_address_kind")
        ]

    def __str__(self) -> str:
        return f"{self.line1}, {self.city} {self.country}"


class SupplierContact(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplierInvitation(models.Model):
    """The onboarding link sent to a supplier's contact: signed, expiring, used once."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation for {self.supplier}"


def document_path(instance: SupplierDocument, filename: str) -> str:
    # the storage adds the tenant's prefix; the stored name is ours, never the uploader's
    return f"suppliers/{instance.supplier_id}/documents/{filename}"


class SupplierDocument(models.Model):
    """One version of a supplier document. Renewing uploads a new version; history is kept."""

    class Status(models.TextChoices):
        CURRENT = "current", _("Current")
        SUPERSEDED = "superseded", _("Superseded")
        EXPIRED = "expired", _("Expired")

    # a new version supersedes the one before it, expired or not
    TRANSITIONS: dict[str, set[str]] = {
        Status.CURRENT: {Status.SUPERSEDED, Status.EXPIRED},
        Status.EXPIRED: {Status.SUPERSEDED},
        Status.SUPERSEDED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(max_length=24, choices=DOCUMENT_TYPES)
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CURRENT)
    file = models.FileField(upload_to=document_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["doc_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "doc_type", "version"], name="supplier_document_version"
            )
        ]
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} v{self.version} of {self.supplier}"


class DocumentAlert(models.Model):
    """One renewal alert (30, 14 or 7 days before expiry, or the expiry itself), at most once."""

    document = models.ForeignKey(SupplierDocument, on_delete=models.CASCADE, related_name="alerts")
    days_before = models.SmallIntegerField(help_text="0: the document expired")
    sent = models.BooleanField(default=True, help_text="false: passed while a later one was due")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "days_before"], name="document_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.days_before} days before expiry of {self.document}"


class BankAccount(models.Model):
    """Payment details. New or changed details stay pending until a call-back on the number
    on file is recorded by one person and a different person approves."""

    class Status(models.TextChoices):
        PENDING_VERIFICATION = "pending_verification", _("Pending verification")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING_VERIFICATION: {Status.ACTIVE, Status.REJECTED},
        Status.ACTIVE: {Status.SUPERSEDED},
        Status.REJECTED: set(),
        Status.SUPERSEDED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="bank_accounts")
    account_holder = models.CharField(max_length=200)
    # IBAN or account number, encrypted with the field keys (apps/suppliers/secrets.py)
    number_encrypted = models.TextField()
    last4 = models.CharField(max_length=4)
    scheme = models.CharField(max_length=8, help_text="iban or us_ach")
    routing_number = models.CharField(max_length=9, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    bank_country = models.CharField(max_length=2)
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING_VERIFICATION
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # the supplier's number on file when the change was requested: the only one to call
    callback_phone = models.CharField(max_length=40, blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    callback_at = models.DateTimeField(null=True, blank=True)
    callback_note = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=300, blank=True)
    # a keyed hash of the number (apps/suppliers/secrets.py): finds the same account on
    # another supplier without decrypting anything
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # other suppliers that had this very account on file when it was entered
    # ([{"supplier", "name", "account"}]); held until compliance clears it
    shared_with = models.JSONField(default=list, blank=True)
    sharing_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sharing_cleared_at = models.DateTimeField(null=True, blank=True)
    sharing_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.masked} ({self.status})"

    @property
    def sharing_open(self) -> bool:
        """Shared with another supplier and not cleared by compliance yet."""
        return bool(self.shared_with) and self.sharing_cleared_at is None

    @property
    def under_verification(self) -> bool:
        """What the supplier is told: pending its call-back and approval, or held until
        compliance clears a sharing (whom it is shared with is never the supplier's to see)."""
        return self.status == self.Status.PENDING_VERIFICATION or self.sharing_open

    @classmethod
    def sharing_open_q(cls) -> models.Q:
        """`sharing_open` in a query, for the accounts still in use (pending or active)."""
        return models.Q(
            status__in=[cls.Status.ACTIVE, cls.Status.PENDING_VERIFICATION],
            sharing_cleared_at__isnull=True,
        ) & ~models.Q(shared_with=[])

    @property
    def masked(self) -> str:
        return f"•••• {self.last4}"


class ScreeningHit(models.Model):
    """A possible sanctions match, waiting for a compliance decision."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting review")
        TRUE_MATCH = "true_match", _("True match: supplier blocked")
        FALSE_POSITIVE = "false_positive", _("False positive: cleared")

    TRANSITIONS: dict[str, set[str]] = {
        Status.OPEN: {Status.TRUE_MATCH, Status.FALSE_POSITIVE},
        Status.TRUE_MATCH: set(),
        Status.FALSE_POSITIVE: set(),
    }

    class Kind(models.TextChoices):
        EXACT = "exact", _("Exact name")
        ALIAS = "alias", _("Alias")
        FUZZY = "fuzzy", _("Similar name")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="screening_hits")
    screened_name = models.CharField(max_length=200)
    list_source = models.CharField(max_length=40)
    list_sha256 = models.CharField(max_length=64)
    entry_uid = models.CharField(max_length=40)
    entry_name = models.CharField(max_length=400)
    matched_name = models.CharField(max_length=400)
    entry_type = models.CharField(max_length=40, blank=True)
    programs = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    score = models.FloatField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "screened_name", "entry_uid"], name="screening_hit_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.screened_name} ~ {self.entry_name}"


class SupplierCheck(models.Model):
    """One run of one check, with what it saw: the evidence on the supplier page."""

    class Kind(models.TextChoices):
        TAX_ID = "tax_id", _("Tax id")
        SANCTIONS = "sanctions", _("Sanctions screening")
        DOCUMENTS = "documents", _("Required documents")
        BANK = "bank", _("Bank details")
        RISK = "risk", _("Risk score")

    class Outcome(models.TextChoices):
        PASS = "pass", _("Pass")
        WARN = "warn", _("Warning")
        FAIL = "fail", _("Fail")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    summary = models.CharField(max_length=300)
    evidence = models.JSONField(default=dict, blank=True)
    policy_version = models.CharField(max_length=16, blank=True)
    ran_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ran_at"]
        indexes = [models.Index(fields=["supplier", "kind", "-ran_at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.outcome}"
