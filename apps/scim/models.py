from __future__ import annotations

from django.conf import settings
from django.db import models


class ScimIdentity(models.Model):
    """What the identity provider knows a person by beyond their e-mail: its `externalId`, and
    that it deleted them. A SCIM DELETE deactivates and hides the person from SCIM (404 from
    then on, RFC 7644 §3.6); the user row stays, because the history names them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identity"
    )
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.external_id or str(self.user_id)
