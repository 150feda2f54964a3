"""Public-schema records of policy templates, their versions and where each was published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenancy.models import Client, Partner


class PolicyTemplate(models.Model):
    """A policy a partner keeps for its clients; its content lives in its versions."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="policy_template_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class PolicyTemplateVersion(models.Model):
    """One version of a template: a whole valid policy document, and the fields of it the
    template sets, each `locked` or `local` (apps/policies/managed.py). Never changes."""

    template = models.ForeignKey(PolicyTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    # {path: "locked" | "local"}
    fields = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    # the tenant whose published policy it was made from (sandbox promotion), by slug
    from_tenant = models.CharField(max_length=31, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"

    @property
    def label(self) -> str:
        return f"v{self.number}"


class TemplateRollout(models.Model):
    """A template version published to one client tenant, at a stage of the rollout."""

    class Stage(models.TextChoices):
        PILOT = "pilot", _("Pilot")
        ALL = "all", _("Everyone")

    version = models.ForeignKey(
        PolicyTemplateVersion, on_delete=models.CASCADE, related_name="rollouts"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="template_rollouts")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    # the tenant's policy version it became (null: the tenant's policy already read so)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    # what the preview found for this tenant when it was published
    preview = models.JSONField(default=dict, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "client"], name="template_rollout_once")
        ]

    def __str__(self) -> str:
        return f"{self.version} → {self.client.slug} ({self.stage})"
