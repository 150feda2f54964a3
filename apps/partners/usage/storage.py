"""Storage as the partner bills it: the most a client tenant held in a month, database and
files (apps.tenancy.storage says what each counts), measured every hour by
`storage_measure_all` and kept per month (`StorageMeasure`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from apps.tenancy.models import Client
from apps.tenancy.plans import month_first
from apps.tenancy.storage import database_bytes, files_bytes

from ..usage_models import StorageMeasure


@dataclass(frozen=True)
class Measured:
    database_bytes: int
    files_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.database_bytes + self.files_bytes


def storage_now(clients: list[Client]) -> dict[int, Measured]:
    """Each client's storage now: one statement for the databases, a walk of each one's files."""
    if not clients:
        return {}
    databases = database_bytes(clients)
    return {c.pk: Measured(databases.get(c.pk, 0), files_bytes(c)) for c in clients}


@transaction.atomic
def storage_measure_all(*, now: datetime | None = None) -> int:
    """Measure every client tenant and keep, for its current month, the highest measurement
    (the hourly task; a system step, no actor). Answers how many tenants were measured."""
    now = now or timezone.now()
    clients = list(Client.objects.exclude(schema_name="public"))
    measured = storage_now(clients)
    for client in clients:
        month = month_first(now, ZoneInfo(client.time_zone or "UTC"))
        size = measured[client.pk]
        kept = StorageMeasure.objects.select_for_update().filter(client=client, month=month).first()
        if kept is None:
            StorageMeasure.objects.create(
                client=client,
                month=month,
                database_bytes=size.database_bytes,
                files_bytes=size.files_bytes,
                measured_at=now,
            )
        elif size.total_bytes > kept.total_bytes:
            kept.database_bytes, kept.files_bytes = size.database_bytes, size.files_bytes
            kept.measured_at = now
            kept.save(update_fields=["database_bytes", "files_bytes", "measured_at"])
    return len(clients)
