"""Reading support grants: the client's list (its admins) and the partner person's own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.tenancy.models import Client

from ..access_models import AccessGrant, SupportAccessSetting


def client_grants(client: Client) -> QuerySet[AccessGrant]:
    return (
        AccessGrant.objects.filter(client=client)
        .select_related("partner", "client")
        .order_by("-requested_at", "-id")
    )


def partner_user_grants(user: Any) -> QuerySet[AccessGrant]:
    return (
        AccessGrant.objects.filter(partner_user=user)
        .select_related("partner", "client")
        .prefetch_related("client__domains")
        .order_by("-requested_at", "-id")
    )


def grants_by_state(grants: list[AccessGrant]) -> dict[str, list[AccessGrant]]:
    """Waiting, active now, and past (refused, expired, revoked), by each grant's status as
    it stands now."""
    found: dict[str, list[AccessGrant]] = {"pending": [], "active": [], "past": []}
    for grant in grants:
        status = grant.current_status
        key = status if status in ("pending", "active") else "past"
        found[key].append(grant)
    return found


def emergency_preapproved(client: Client) -> bool:
    setting = SupportAccessSetting.objects.filter(client=client).first()
    return bool(setting and setting.emergency_read_preapproved)
