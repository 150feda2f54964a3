from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    """One condition that held for one subject (an endpoint, a queue, a payment run): raised
    once, open while the condition holds, resolved when it clears. A condition that returns
    later is a new alert."""

    class Kind(models.TextChoices):
        CONNECTOR = "connector", _("Connector")
        POLICY = "policy", _("Policy")
        PEOPLE = "people", _("People")
        PLATFORM = "platform", _("Platform")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    TRANSITIONS: dict[str, set[str]] = {Status.OPEN: {Status.RESOLVED}, Status.RESOLVED: set()}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # what the rule's subject is (an endpoint's id, a queue's code): with `rule`, the dedup key
    subject_key = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)  # in words
    link = models.CharField(max_length=500)  # the page where it is acted on
    detail = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=models.Q(status="open"),
                name="one_open_alert_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}"
