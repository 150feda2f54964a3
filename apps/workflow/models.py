from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalRoute(models.Model):
    """The approval route of one subject, as the policy version decided it at submission."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED, Status.CANCELLED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
        Status.CANCELLED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    policy_version = models.CharField(max_length=16)
    rule_id = models.CharField(max_length=80)
    plan = models.JSONField(default=dict, help_text="the route as planned, for the timeline")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"route {self.subject_type}:{self.subject_id}"


class ApprovalStep(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    # a step waits for the one before it, then opens; the route's outcome cancels the rest
    TRANSITIONS: dict[str, set[str]] = {
        Status.WAITING: {Status.OPEN, Status.CANCELLED},
        Status.OPEN: {Status.APPROVED, Status.REJECTED, Status.CANCELLED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
        Status.CANCELLED: set(),
    }

    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="steps")
    sequence = models.PositiveSmallIntegerField()
    quorum = models.PositiveSmallIntegerField(default=1)
    sla_hours = models.FloatField()
    reason = models.CharField(max_length=300)
    # whom the policy asked (apps.policies.routing.PlannedStep.role); blank before it was kept
    role = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["route", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["route", "sequence"], name="step_sequence_unique")
        ]
        # the open steps by due time: the SLA sweep's due probe and the late-approvals alert
        # read these few among a history that only grows (apps/workflow/due.py)
        indexes = [
            models.Index(
                fields=["due_at"], name="approval_step_open", condition=models.Q(status="open")
            )
        ]

    def __str__(self) -> str:
        return f"step {self.sequence} of {self.route}"


class ApprovalTask(models.Model):
    """One person's part in a step: what shows in their inbox."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        DELEGATED = "delegated", _("Delegated")
        SUPERSEDED = "superseded", _("Closed: the step was decided")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: dict[str, set[str]] = {
        Status.OPEN: {
            Status.APPROVED,
            Status.REJECTED,
            Status.DELEGATED,
            Status.SUPERSEDED,
            Status.CANCELLED,
        },
        Status.APPROVED: set(),
        Status.REJECTED: set(),
        Status.DELEGATED: set(),
        Status.SUPERSEDED: set(),
        Status.CANCELLED: set(),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="tasks")
    # denormalised from the route so an inbox lists without joins
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_tasks"
    )
    # when the assignee acts for someone out of office (or got the task by delegation)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["assignee", "status", "-created_at"]),
            # insights' approval latency reads the tasks decided in a period
            models.Index(
                fields=["decided_at"],
                name="task_decided_at",
                condition=models.Q(decided_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"task of {self.assignee} on {self.subject_type}:{self.subject_id}"


class Delegation(models.Model):
    """Out of office: from `starts_on` to `ends_on` (inclusive), `delegate` acts for `user`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_order"
            ),
            models.CheckConstraint(
                condition=~models.Q(user=models.F("delegate")), name="delegation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} for {self.user}"


class Notification(models.Model):
    """An in-app notice (reminders, escalations)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class ApprovalLink(models.Model):
    """A single-use link that decides one task from outside the portal (an e-mail, a Teams
    card): bound to the task and its assignee, expiring, kept only as a hash of its token."""

    class Verb(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        TEAMS = "teams", _("Microsoft Teams")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.ForeignKey(ApprovalTask, on_delete=models.CASCADE, related_name="links")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=8, choices=Verb.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 of the token, hex
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.verb} link of {self.task}"
