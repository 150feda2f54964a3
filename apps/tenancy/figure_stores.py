"""Where insights' hourly rollup keeps each client's figures in the public schema (counts only):
its days (ClientDay) and its standing now (ClientStanding). Internal steps of the rollup, not a
person's action."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from .context import public_context
from .models import Client, ClientDay, ClientStanding

DAY_FIGURES = frozenset(
    f.name for f in ClientDay._meta.concrete_fields if f.name not in {"id", "client", "day"}
) - {"computed_at"}


def client_day_store(*, client: Client, day: date, figures: dict[str, Any]) -> None:
    """Keep one client tenant's figures for one of its days (insights' rollup, a system job: no
    person acts, and derived counts are no event of the trail). The day's row is replaced: a
    day still running is computed again each hour."""
    unknown = set(figures) - DAY_FIGURES
    if unknown:
        raise ValueError(f"not a figure of a client's day: {sorted(unknown)}")
    fields = sorted(figures)
    with public_context():
        ClientDay.objects.bulk_create(
            [ClientDay(client=client, day=day, computed_at=timezone.now(), **figures)],
            update_conflicts=True,
            unique_fields=["client", "day"],
            update_fields=[*fields, "computed_at"],
        )


STANDING_FIGURES = frozenset(
    f.name
    for f in ClientStanding._meta.concrete_fields
    if f.name not in {"id", "client", "computed_at"}
)


def client_standing_store(*, client: Client, figures: dict[str, Any]) -> None:
    """Keep one client tenant's standing now (insights' rollup and provisioning, a system job:
    derived counts are no event of the trail); the previous standing is replaced."""
    unknown = set(figures) - STANDING_FIGURES
    if unknown:
        raise ValueError(f"not a figure of a client's standing: {sorted(unknown)}")
    fields = sorted(figures)
    with public_context():
        ClientStanding.objects.bulk_create(
            [ClientStanding(client=client, computed_at=timezone.now(), **figures)],
            update_conflicts=True,
            unique_fields=["client"],
            update_fields=[*fields, "computed_at"],
        )


# --------------------------------------------------------------------------- setting a plan
