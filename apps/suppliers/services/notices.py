"""Telling people about a supplier: in-app notices to its buyers, e-mail to the supplier, and
what the supplier event types carry (docs/events.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Group

from apps.accounts.models import User
from apps.workflow.notices import tell

from ..models import Supplier


def supplier_payload(supplier: Supplier, **extra: Any) -> dict[str, Any]:
    """What every supplier event type carries (docs/events.md)."""
    return {
        "id": supplier.pk,
        "name": supplier.name,
        "country": supplier.country,
        "tax_id": supplier.tax_id,
        "status": supplier.status,
        "risk_tier": supplier.risk_tier,
        **extra,
    }


def notify(users: list[User], *, kind: str, message: Callable[[], str], supplier: Supplier) -> None:
    """An in-app notice about a supplier for each person, in that person's language."""
    tell(users, message, kind=kind, subject_type="supplier", subject_id=str(supplier.pk))


def buyers_of(supplier: Supplier) -> list[User]:
    """Who looks after a supplier: the buyer who invited it, else every buyer."""
    if supplier.invited_by is not None and supplier.invited_by.is_active:
        return [supplier.invited_by]
    group = Group.objects.filter(name="buyer").first()
    return list(User.objects.filter(groups=group, is_active=True)) if group else []
