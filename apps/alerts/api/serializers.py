from rest_framework import serializers

from ..models import Alert


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = [
            "id", "kind", "rule", "status", "raised_at", "resolved_at", "subject", "link",
            "detail",
        ]  # fmt: skip
