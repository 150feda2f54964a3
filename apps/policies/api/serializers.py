from rest_framework import serializers

from ..models import PolicyVersion


class PolicyVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = PolicyVersion
        fields = [
            "number",
            "status",
            "note",
            "document",
            "created_by",
            "created_at",
            "published_at",
        ]

    def get_created_by(self, version: PolicyVersion) -> str | None:
        return version.created_by.email if version.created_by else None


class PolicyInputSerializer(serializers.Serializer):
    document = serializers.JSONField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class SimulateSerializer(serializers.Serializer):
    requisition = serializers.UUIDField()
