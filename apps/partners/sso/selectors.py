"""Reads of a partner's single sign-on: its connection, and the connection a person's address
leads to on the console's sign-in page."""

from __future__ import annotations

from apps.accounts.models import User
from apps.tenancy.models import Partner

from .models import PartnerSsoConnection


def partner_sso_connection(partner: Partner) -> PartnerSsoConnection | None:
    return (
        PartnerSsoConnection.objects.select_related("break_glass_user")
        .filter(partner=partner)
        .first()
    )


def partner_sso_of_address(address: object) -> PartnerSsoConnection | None:
    """The connection of the partner whose person this address names (an active person of a
    partner with a connection), or None."""
    user = (
        User.objects.with_identity(address)
        .filter(is_active=True, partner_membership__isnull=False)
        .select_related("partner_membership__partner")
        .first()
    )
    if user is None:
        return None
    return partner_sso_connection(user.partner_membership.partner)


def any_partner_sso() -> bool:
    return PartnerSsoConnection.objects.exists()
