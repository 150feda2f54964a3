from __future__ import annotations

from rest_framework import serializers

from apps.api.fields import IdentifierField

from ..models import (
    DOCUMENT_TYPES,
    BankAccount,
    ScreeningHit,
    Supplier,
    SupplierAddress,
    SupplierCheck,
    SupplierContact,
    SupplierDocument,
)


class SupplierInviteSerializer(serializers.Serializer):
    name = IdentifierField(max_length=200)
    country = serializers.CharField(max_length=2)
    email = serializers.EmailField()
    tax_id = IdentifierField(max_length=40, required=False, allow_blank=True)
    category = serializers.CharField(max_length=20, required=False, allow_blank=True)


class SupplierProfileSerializer(serializers.Serializer):
    name = IdentifierField(max_length=200, required=False)
    country = serializers.CharField(max_length=2, required=False)
    tax_id = IdentifierField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    category = serializers.CharField(max_length=20, required=False, allow_blank=True)
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact_role = serializers.CharField(max_length=80, required=False, allow_blank=True)


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierAddress
        fields = ["kind", "line1", "line2", "city", "postal_code", "country"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierContact
        fields = ["name", "email", "phone", "role"]


PORTAL_FIELDS = [
    "id",
    "name",
    "country",
    "tax_id",
    "email",
    "category",
    "phone",
    "website",
    "status",
    "required_documents",
    "addresses",
    "contacts",
    "created_at",
    "submitted_at",
    "decided_at",
]


class SupplierSerializer(serializers.ModelSerializer):
    addresses = AddressSerializer(many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)
    open_screening_hits = serializers.IntegerField(source="open_hits", read_only=True, default=None)
    pending_bank_changes = serializers.IntegerField(
        source="pending_bank", read_only=True, default=None
    )

    class Meta:
        model = Supplier
        fields = [
            *PORTAL_FIELDS,
            "compliance",
            "tax_id_valid",
            "risk_tier",
            "risk_score",
            "risk_reasons",
            "screening",
            "policy_version",
            "checked_at",
            "open_screening_hits",
            "pending_bank_changes",
        ]


class PortalSupplierSerializer(serializers.ModelSerializer):
    """What a supplier user reads about itself: no risk score, no screening state, no
    compliance badge (it reads the screening)."""

    addresses = AddressSerializer(many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Supplier
        fields = PORTAL_FIELDS


class DocumentUploadSerializer(serializers.Serializer):
    doc_type = serializers.ChoiceField(choices=[c for c, _label in DOCUMENT_TYPES])
    file = serializers.FileField(allow_empty_file=True)
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = SupplierDocument
        fields = [
            "id",
            "doc_type",
            "version",
            "status",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "issued_on",
            "expires_on",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, document: SupplierDocument) -> str:
        return f"/api/v1/suppliers/{document.supplier_id}/documents/{document.pk}/download/"


class BankAccountInputSerializer(serializers.Serializer):
    account_holder = serializers.CharField(max_length=200)
    iban = serializers.CharField(max_length=42, required=False, allow_blank=True)
    bic = serializers.CharField(max_length=11, required=False, allow_blank=True)
    account_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    routing_number = serializers.CharField(max_length=12, required=False, allow_blank=True)


class PortalBankAccountSerializer(serializers.ModelSerializer):
    """What a supplier user reads of its bank accounts: the details it gave and whether they
    are under verification. Never who verifies them, nor that another supplier has the same
    account: that is for the internal reviewers (BankAccountSerializer). Masked: the number
    itself is never serialised."""

    account = serializers.CharField(source="masked", read_only=True)
    under_verification = serializers.BooleanField(read_only=True)

    class Meta:
        model = BankAccount
        fields = [
            "id",
            "supplier",
            "account_holder",
            "account",
            "last4",
            "scheme",
            "bic",
            "routing_number",
            "bank_country",
            "status",
            "under_verification",
            "requested_at",
        ]


class BankAccountSerializer(PortalBankAccountSerializer):
    """The internal reviewers' view: the supplier's, plus the verification trail and the
    other suppliers that hold the same account."""

    requested_by = serializers.CharField(
        source="requested_by.email", default=None, allow_null=True, read_only=True
    )
    callback_by = serializers.CharField(
        source="callback_by.email", default=None, allow_null=True, read_only=True
    )
    decided_by = serializers.CharField(
        source="decided_by.email", default=None, allow_null=True, read_only=True
    )
    shared_with = serializers.ListField(child=serializers.DictField(), read_only=True)
    sharing_open = serializers.BooleanField(read_only=True)
    sharing_cleared_by = serializers.CharField(
        source="sharing_cleared_by.email", default=None, allow_null=True, read_only=True
    )

    class Meta(PortalBankAccountSerializer.Meta):
        fields = [
            *PortalBankAccountSerializer.Meta.fields,
            "requested_by",
            "callback_by",
            "callback_at",
            "callback_note",
            "decided_by",
            "decided_at",
            "decision_comment",
            "shared_with",
            "sharing_open",
            "sharing_cleared_by",
            "sharing_cleared_at",
            "sharing_note",
        ]


class CallbackSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField()
    note = serializers.CharField(max_length=300)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class SharingNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ScreeningHitSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    reviewed_by = serializers.CharField(
        source="reviewed_by.email", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = ScreeningHit
        fields = [
            "id",
            "supplier",
            "supplier_name",
            "screened_name",
            "list_source",
            "list_sha256",
            "entry_uid",
            "entry_name",
            "matched_name",
            "entry_type",
            "programs",
            "kind",
            "score",
            "status",
            "reviewed_by",
            "reviewed_at",
            "reason",
            "created_at",
        ]


class ResolveHitSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["true_match", "false_positive"])
    reason = serializers.CharField()


class CheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierCheck
        fields = ["kind", "outcome", "summary", "evidence", "policy_version", "ran_at"]
