from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import ErasureRequest


class ErasureRequestSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    subject_user = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()

    class Meta:
        model = ErasureRequest
        fields = [
            "id",
            "subject_user",
            "contact",
            "status",
            "pseudonym",
            "created_at",
            "completed_at",
            "outcome",
        ]

    def get_subject_user(self, obj: ErasureRequest) -> str | None:
        return obj.subject_id if obj.kind == ErasureRequest.Kind.USER else None

    def get_contact(self, obj: ErasureRequest) -> str | None:
        return obj.subject_id if obj.kind == ErasureRequest.Kind.CONTACT else None


class ErasureRequestInputSerializer(serializers.Serializer):
    subject_user = serializers.IntegerField(required=False, min_value=1)
    contact = serializers.IntegerField(required=False, min_value=1)
    execute = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("subject_user" in attrs) == ("contact" in attrs):
            raise serializers.ValidationError(
                {"subject_user": ["Give either subject_user or contact."]}
            )
        return attrs
