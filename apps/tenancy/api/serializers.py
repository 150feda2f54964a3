from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.fields import Text

from ..models import Client
from ..selectors import primary_domain


class BrandingSerializer(serializers.Serializer):
    """Shape only: colours and names are checked by apps.tenancy.branding in the service."""

    # blank is allowed by the schema and refused by the branding rules (422), the same whether
    # sent as JSON or as a form field (where DRF would read an empty field as "not given")
    portal_name = Text(required=False, allow_blank=True)
    primary_color = Text(required=False, allow_blank=True)
    accent_color = Text(required=False, allow_blank=True)
    support_email = Text(required=False, allow_blank=True)
    logo = serializers.FileField(required=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = set(getattr(self, "initial_data", {}) or {})
        unknown = given - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {k: [_("Unknown branding field.")] for k in sorted(unknown)}
            )
        if self.partial and not given:
            raise serializers.ValidationError(
                _("Give at least one branding field."), code="required"
            )
        return attrs


class NewTenantBrandingSerializer(BrandingSerializer):
    """A new tenant's branding in its JSON body; the logo is uploaded afterwards (PATCH
    `branding/`, multipart)."""

    logo = None  # type: ignore[assignment]  # DRF: None removes a declared field


# The PATCH body as the schema declares it: at least one known field (an empty body or an
# unknown field is refused with 400, as the serializer does); the texts as JSON, the logo as
# a multipart upload (a form field cannot tell a number from text, nor null from blank).
_TEXT = {"type": "string"}
_BRANDING_FIELDS = {
    "portal_name": _TEXT,
    "primary_color": _TEXT,
    "accent_color": _TEXT,
    "support_email": _TEXT,
}


def _branding_patch(**extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**_BRANDING_FIELDS, **extra},
        "minProperties": 1,
        "additionalProperties": False,
    }


BRANDING_PATCH_BODY = {
    "application/json": _branding_patch(),
    "multipart/form-data": {
        "type": "object",
        "properties": {"logo": {"type": "string", "format": "binary"}},
        "required": ["logo"],
        "additionalProperties": False,
    },
}


class TenantCreateSerializer(serializers.Serializer):
    slug = Text()
    name = Text()
    domain = Text()
    default_language = Text(required=False, default="en")
    admin_email = serializers.EmailField(required=False)
    branding = NewTenantBrandingSerializer(required=False, default=dict)


class BrandingOutSerializer(serializers.Serializer):
    portal_name = serializers.CharField()
    primary_color = serializers.CharField()
    accent_color = serializers.CharField()
    support_email = serializers.CharField(allow_blank=True)
    has_logo = serializers.BooleanField()


class TenantSerializer(serializers.ModelSerializer):
    domain = serializers.SerializerMethodField()
    branding = serializers.SerializerMethodField()
    sandbox_of = serializers.SerializerMethodField(
        help_text="For a sandbox: the slug of the production tenant it stands in for."
    )

    class Meta:
        model = Client
        fields = [
            "slug",
            "name",
            "domain",
            "status",
            "kind",
            "region",
            "sandbox_of",
            "default_language",
            "branding",
            "created_at",
        ]

    def get_domain(self, obj: Client) -> str:
        return primary_domain(obj)

    def get_sandbox_of(self, obj: Client) -> str | None:
        return obj.sandbox_of.slug if obj.sandbox_of is not None else None

    @extend_schema_field(BrandingOutSerializer)
    def get_branding(self, obj: Client) -> dict[str, object]:
        return {
            "portal_name": obj.portal_name,
            "primary_color": obj.primary_color,
            "accent_color": obj.accent_color,
            "support_email": obj.support_email,
            "has_logo": bool(obj.logo_content_type),
        }


class ClientHealthSerializer(serializers.Serializer):
    failing_webhooks = serializers.IntegerField(help_text="Webhook endpoints failing or disabled.")
    failing_erp = serializers.IntegerField(help_text="ERP connections with a dead letter.")
    stuck_tasks = serializers.IntegerField(
        help_text="Invoices unmatched and events undelivered an hour after they arrived."
    )


class FiguresSerializer(serializers.Serializer):
    """Counts are integers, rates numbers from 0 to 1, durations hours; null while a figure
    cannot be computed (no day computed yet, no invoice decided, no approval decided)."""

    active_users = serializers.IntegerField(
        allow_null=True, help_text="People active on the busiest day of the period."
    )
    requisitions = serializers.IntegerField(allow_null=True, help_text="Submitted in the period.")
    invoices_received = serializers.IntegerField(
        allow_null=True, help_text="Invoices (not credit notes) received in the period."
    )
    touchless_rate = serializers.FloatField(
        allow_null=True, help_text="Of the invoices decided, the share no person touched."
    )
    exceptions_open = serializers.IntegerField(allow_null=True, help_text="On the latest day.")
    exceptions_overdue = serializers.IntegerField(allow_null=True, help_text="On the latest day.")
    approval_hours_p50 = serializers.FloatField(
        allow_null=True, help_text="Median hours from an approval task to its decision."
    )


class ClientFiguresSerializer(FiguresSerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    last_activity = serializers.DateTimeField(allow_null=True)
    health = ClientHealthSerializer(allow_null=True, help_text="On the latest day computed.")
    days_computed = serializers.IntegerField(help_text="Days of the period rolled up so far.")


class BenchmarkSerializer(serializers.Serializer):
    """The median of each figure across the partner's clients that have it (a median of counts
    may fall between two: a number, not an integer)."""

    active_users = serializers.FloatField(allow_null=True)
    requisitions = serializers.FloatField(allow_null=True)
    invoices_received = serializers.FloatField(allow_null=True)
    touchless_rate = serializers.FloatField(allow_null=True)
    exceptions_open = serializers.FloatField(allow_null=True)
    exceptions_overdue = serializers.FloatField(allow_null=True)
    approval_hours_p50 = serializers.FloatField(allow_null=True)


class PartnerInsightsSerializer(serializers.Serializer):
    # `from` is a keyword: the fields are declared by name below
    to = serializers.DateField()
    tenants = ClientFiguresSerializer(many=True)
    benchmark = BenchmarkSerializer(help_text="The median of the partner's clients.")

    def get_fields(self) -> dict[str, Any]:
        return {"from": serializers.DateField(), **super().get_fields()}


class TenantReactivateSerializer(serializers.Serializer):
    # required, so a body without it is malformed (400); blank, the service answers 422
    reason = Text(allow_blank=True, help_text="Why, kept in the audit trail.")


class TenantSuspendSerializer(TenantReactivateSerializer):
    confirm_name = Text(
        allow_blank=True,
        help_text="The tenant's name, typed back: suspension shuts every user out.",
    )
