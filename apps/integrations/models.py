from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for the same key."""

    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_one_per_key")
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(models.Model):
    """Where a tenant's events are sent (docs/integrations.md). The `whsec_` secret is kept
    encrypted and shown once; while a secret is rotated out, the previous one signs beside it
    until `previous_secret_until`."""

    class Format(models.TextChoices):
        STANDARD = "standard", _("Standard Webhooks JSON")
        SLACK = "slack", _("Slack incoming webhook")
        TEAMS = "teams", _("Microsoft Teams incoming webhook")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, blank=True)  # empty: every type
    # legal entity codes; empty: every entity (an event about none reaches every endpoint)
    legal_entities = models.JSONField(default=list, blank=True)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.STANDARD)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str, legal_entity: str | None = None) -> bool:
        if (
            self.legal_entities
            and legal_entity is not None
            and legal_entity not in (self.legal_entities)
        ):
            return False
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event for one endpoint. Its schedule lives here (`next_attempt_at`), claimed by
    workers with SKIP LOCKED; never as a long Celery countdown, which the Redis broker would
    hand out again after its visibility timeout."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        DEAD = "dead", _("Dead (every attempt failed)")

    # a dead delivery is sent again by a retry or a recovery; a delivered one never
    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.SUCCEEDED, Status.DEAD},
        Status.DEAD: {Status.PENDING},
        Status.SUCCEEDED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "events.OutboxEvent", on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}"


class DeliveryAttempt(models.Model):
    """Every attempt, kept: what the receiver answered (first 1 KB), how long it took, or why
    nothing was answered."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response = models.CharField(max_length=1024, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


class ErpConnection(models.Model):
    """An ERP instance that tells Spendgate what it did (`POST /api/v1/erp/events/`), signing
    with its own `whsec_` secret (shown once, kept encrypted). Limited to legal entities when
    the tenant runs several ERPs: events about others are not applied (docs/integrations.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    legal_entities = models.JSONField(default=list, blank=True)  # codes; empty: every entity
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return self.name


class InboundEvent(models.Model):
    """An event an ERP sent, kept once per `webhook-id` (a replay has no second effect). One that
    could not be applied waits as a dead letter, with the reason, until it is applied again."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Not applied (dead letter)")
        DISCARDED = "discarded", _("Discarded")

    # a dead letter is applied again once its cause is fixed (staying one, with the new
    # reason, while it still cannot be), or discarded with a reason
    TRANSITIONS: dict[str, set[str]] = {
        Status.FAILED: {Status.APPLIED, Status.DISCARDED},
        Status.APPLIED: set(),
        Status.DISCARDED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    connection = models.ForeignKey(
        ErpConnection, null=True, on_delete=models.SET_NULL, related_name="events"
    )
    message_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=500, blank=True)
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "message_id"], name="inbound_event_once"),
        ]
        indexes = [
            models.Index(
                fields=["received_at"], name="inbound_failed", condition=models.Q(status="failed")
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class ServiceAccount(models.Model):
    """An integration's identity: scopes instead of roles, optional legal entities, an expiry.
    Its key is shown once and stored as a SHA-256 digest; a rotated-out key keeps working until
    `previous_key_until`. It acts through a user of its own that has no password, so it can
    never open a page (docs/integrations.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account"
    )
    scopes = models.JSONField(default=list)
    legal_entities = models.JSONField(default=list, blank=True)  # codes; empty: every entity
    key_prefix = models.CharField(max_length=16)  # shown in lists to tell keys apart
    key_digest = models.CharField(max_length=64, unique=True)
    previous_key_digest = models.CharField(max_length=64, blank=True, db_index=True)
    previous_key_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return self.name


class ReconciliationRun(models.Model):
    """One daily comparison of what Spendgate approved and paid with what the ERP reported;
    each mismatch found became an exception (`mismatches` lists them)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    grace_hours = models.PositiveIntegerField()
    checked = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)  # code: new exceptions
    mismatches = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.started_at.isoformat()


class ChatApprovals(models.Model):
    """Where approval tasks are announced in chat (docs/integrations.md): a Slack incoming
    webhook with the app's signing secret (it checks the button clicks Slack sends back) and
    bot token (it asks Slack who clicked: `users.info`, scope `users:read.email`), both kept
    encrypted, and a Teams incoming webhook. One row per tenant; blank is off."""

    slack_webhook_url = models.URLField(max_length=500, blank=True)
    slack_signing_secret_encrypted = models.TextField(blank=True)
    slack_bot_token_encrypted = models.TextField(blank=True)
    teams_webhook_url = models.URLField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "chat approvals"


class SlackInteraction(models.Model):
    """A Slack request already answered, by its signature: the same one again is a replay."""

    signature = models.CharField(max_length=100, unique=True)
    timestamp = models.BigIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"slack interaction at {self.timestamp}"
