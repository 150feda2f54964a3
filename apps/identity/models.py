from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SsoSettings(models.Model):
    """An identity provider connection: how to reach it, what its claims mean, whether a test
    sign-in succeeded since the last change and whether SSO is enforced. A client tenant's
    (SsoConnection, one per schema) and a partner's for its console (apps.partners.sso) share
    these fields and the sign-in round trip (apps.identity.flows)."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    display_name = models.CharField(max_length=80, default="", blank=True)
    # OpenID Connect
    discovery_url = models.URLField(max_length=500, blank=True, default="")
    client_id = models.CharField(max_length=255, blank=True, default="")
    client_secret_encrypted = models.TextField(blank=True, default="")
    # SAML 2.0
    idp_metadata_xml = models.TextField(blank=True, default="")
    idp_entity_id = models.CharField(max_length=500, blank=True, default="")
    sp_entity_id = models.CharField(max_length=500, blank=True, default="")
    # what the identity provider's claims (OIDC) or attributes (SAML) are called
    email_claim = models.CharField(max_length=120, default="email")
    name_claim = models.CharField(max_length=120, default="name")
    groups_claim = models.CharField(max_length=120, default="groups")
    role_mapping = models.JSONField(default=dict, blank=True)  # {group: [role, …]}
    enforced = models.BooleanField(default=False)
    configured_at = models.DateTimeField()
    tested_at = models.DateTimeField(null=True, blank=True)
    # a tenant admin who keeps password sign-in while SSO is enforced
    break_glass_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_protocol_display()} {self.display_name}".strip()

    @property
    def idp_name(self) -> str:
        return self.display_name or str(self.get_protocol_display())

    @property
    def tested_since_change(self) -> bool:
        return self.tested_at is not None and self.tested_at >= self.configured_at


class SsoConnection(SsoSettings):
    """The tenant's identity provider (one per schema)."""

    slot = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
