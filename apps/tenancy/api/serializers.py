from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Client
from ..selectors import primary_domain


class BrandingSerializer(serializers.Serializer):
    """Shape only: colours and names are checked by apps.tenancy.branding in the service."""

    portal_name = serializers.CharField(required=False)
    primary_color = serializers.CharField(required=False)
    accent_color = serializers.CharField(required=False)
    support_email = serializers.CharField(required=False, allow_blank=True)
    logo = serializers.FileField(required=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {k: [_("Unknown branding field.")] for k in sorted(unknown)}
            )
        return attrs


class TenantCreateSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    default_language = serializers.CharField(required=False, default="en")
    admin_email = serializers.EmailField(required=False)
    branding = BrandingSerializer(required=False, default=dict)


class BrandingOutSerializer(serializers.Serializer):
    portal_name = serializers.CharField()
    primary_color = serializers.CharField()
    accent_color = serializers.CharField()
    support_email = serializers.CharField(allow_blank=True)
    has_logo = serializers.BooleanField()


class TenantSerializer(serializers.ModelSerializer):
    domain = serializers.SerializerMethodField()
    branding = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = ["slug", "name", "domain", "status", "default_language", "branding", "created_at"]

    def get_domain(self, obj: Client) -> str:
        return primary_domain(obj)

    @extend_schema_field(BrandingOutSerializer)
    def get_branding(self, obj: Client) -> dict[str, object]:
        return {
            "portal_name": obj.portal_name,
            "primary_color": obj.primary_color,
            "accent_color": obj.accent_color,
            "support_email": obj.support_email,
            "has_logo": bool(obj.logo_content_type),
        }
