from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    """One version of the tenant's approval policy. Published versions never change; a
    change is a new version, and every decision records the version it used."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.PUBLISHED},
        Status.PUBLISHED: {Status.RETIRED},
        Status.RETIRED: set(),
    }

    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # {"rules": [...], "settings": {...}, "sod": [...]}: see apps/policies/document.py
    document = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} ({self.status})"

    @property
    def label(self) -> str:
        return f"v{self.number}"


class ApprovalLimit(models.Model):
    """Delegation of authority: how much a user, or anyone holding a role, may approve."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval_limits",
    )
    role = models.CharField(max_length=40, blank=True)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(role=""))
                | (models.Q(user__isnull=True) & ~models.Q(role="")),
                name="approval_limit_user_xor_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.role}: {self.amount} {self.currency}"


class PolicyManagement(models.Model):
    """The partner's template this tenant's policy follows (at most one row): the fields it
    locks with their values, and those the tenant may change. Written by the partner's side
    when it publishes a template version here (apps.partners); the policy services refuse a
    draft that changes a locked field (apps/policies/managed.py)."""

    partner_name = models.CharField(max_length=200)
    template_name = models.CharField(max_length=200)
    # the template's id on the public schema (no foreign key across schemas)
    template_ref = models.PositiveIntegerField()
    template_version = models.PositiveIntegerField()
    # {path: the template's value}
    locked = models.JSONField(default=dict)
    # [path, …] the tenant may change
    local = models.JSONField(default=list)
    published_by = models.CharField(max_length=254, blank=True)
    adopted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.managed_by

    @property
    def managed_by(self) -> str:
        return _('the template "%(template)s" (v%(number)d) of %(partner)s') % {
            "partner": self.partner_name,
            "template": self.template_name,
            "number": self.template_version,
        }
