from rest_framework import serializers

from ..models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "on_behalf_of",
            "action",
            "subject_type",
            "subject_id",
            "request_id",
            "policy_version",
            "before",
            "after",
            "data",
            "prev_hash",
            "hash",
        ]


class ChainVerificationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    count = serializers.IntegerField()
    first_bad = serializers.CharField(allow_null=True)
