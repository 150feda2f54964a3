from __future__ import annotations

from django.db import models

from apps.identity.models import SsoSettings
from apps.tenancy.models import Partner


class PartnerSsoConnection(SsoSettings):
    """A partner's identity provider for its people on the console (public schema; one per
    partner, as a client tenant has one per schema). Its people sign in through it; nobody is
    created by it: a partner's people are invited on /partner/people/, with their role."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="sso")

    class Meta:
        app_label = "partners"
