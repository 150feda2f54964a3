from __future__ import annotations

from rest_framework import serializers

from ..models import (
    DeliveryAttempt,
    ErpConnection,
    InboundEvent,
    ReconciliationRun,
    ServiceAccount,
    WebhookDelivery,
    WebhookEndpoint,
)
from ..scopes import SCOPES


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as read back: never its secret."""

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "legal_entities",
            "format",
            "enabled",
            "disabled_reason",
            "failing_since",
            "created_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """At creation (and rotation) only: the `whsec_` secret, shown this once."""

    secret = serializers.CharField()

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=100
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    legal_entities = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=50
    )
    format = serializers.ChoiceField(choices=WebhookEndpoint.Format.choices, required=False)
    enabled = serializers.BooleanField(required=False)


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField()


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["at", "status_code", "duration_ms", "response", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """CONTRACT §3 `webhook-deliveries/{id}/`: `attempts` lists every attempt."""

    event_id = serializers.UUIDField(read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    attempts = DeliveryAttemptSerializer(source="attempt_log", many=True, read_only=True)
    attempt_count = serializers.IntegerField(source="attempts", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "attempt_count",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class RecoverInputSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField(required=False, allow_null=True)


class RecoveredSerializer(serializers.Serializer):
    deliveries = serializers.IntegerField()


class ErpConnectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ErpConnection
        fields = ["id", "name", "legal_entities", "enabled", "last_event_at", "created_at"]
        read_only_fields = fields


class ErpConnectionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    legal_entities = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=50
    )


class ServiceAccountSerializer(serializers.ModelSerializer):
    """Never the key: only its first characters, to tell keys apart."""

    class Meta:
        model = ServiceAccount
        fields = [
            "id",
            "name",
            "scopes",
            "legal_entities",
            "key_prefix",
            "expires_at",
            "revoked_at",
            "previous_key_until",
            "last_used_at",
            "created_at",
        ]
        read_only_fields = fields


class ServiceAccountInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(SCOPES)), max_length=len(SCOPES)
    )
    legal_entities = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=50
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class RotateInputSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(required=False, default=24)


class KeySerializer(serializers.Serializer):
    key = serializers.CharField()


class InboundEventSerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="message_id", read_only=True)
    type = serializers.CharField(source="event_type", read_only=True)

    class Meta:
        model = InboundEvent
        fields = [
            "id",
            "connection",
            "webhook_id",
            "type",
            "status",
            "reason",
            "data",
            "result",
            "attempts",
            "received_at",
            "applied_at",
        ]
        read_only_fields = fields


class DiscardInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ReconciliationRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReconciliationRun
        fields = [
            "id",
            "started_at",
            "finished_at",
            "grace_hours",
            "checked",
            "counts",
            "mismatches",
        ]
        read_only_fields = fields
