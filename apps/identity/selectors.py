from __future__ import annotations

from .models import SsoConnection


def sso_connection() -> SsoConnection | None:
    """The tenant's connection (in the schema of the request), or None."""
    return SsoConnection.objects.select_related("break_glass_user").filter(slot=1).first()
