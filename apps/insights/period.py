"""The period a reader asks for, in the tenant's days, and the legal entity they may ask
about (another entity is refused as if it did not exist, as everywhere else)."""

from __future__ import annotations

from datetime import date
from typing import Any

from apps.controls.entities import require_entity
from apps.controls.periods import Period, period_of
from apps.tenancy.context import tenant_zone


def reader_period(
    user: Any, first: date | None, last: date | None, legal_entity: str | None
) -> Period:
    if legal_entity:
        require_entity(user, legal_entity)
    return period_of(first, last, tenant_zone())
