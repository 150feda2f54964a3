"""Beat's scheduler: tenant-schemas-celery's, which fans each periodic task out to every client
tenant, beating beat's heartbeat as it ticks (`/readyz` reads it).

Only active tenants get periodic work. A suspended or offboarding tenant's data rests as it
was: no approval or exception escalation fires at people who cannot sign in, no renewal
reminder, no webhook delivery (its deliveries wait, pending), no mailbox poll (its mail waits
in the mailbox), no matching or report. A tenant of another region is its own region's
deployment's to schedule (docs/residency.md). Once it is resumed, the next run of each task picks up
where it stands. The public schema's own tasks (the roll-up, offboarding's deletions) run."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

from apps.telemetry.heartbeats import BeatHeartbeat

from .beat_lock import BeatLock


def scheduled_tenants() -> Any:
    """The tenants (public included) beat sends its periodic tasks to."""
    from .models import Client  # beat loads this module before the models are ready

    return Client.objects.filter(
        Q(status=Client.Status.ACTIVE, region=settings.SPENDGATE_REGION)
        | Q(schema_name=settings.PUBLIC_SCHEMA_NAME)
    )


STANDBY_SECONDS = 5.0  # how often a beat that does not lead tries to take the lead


class HeartbeatScheduler(BeatHeartbeat, TenantAwarePersistentScheduler):
    """Sends periodic work only while it leads (apps.tenancy.beat_lock): a second beat
    started by mistake, or as a standby, sends nothing until the leader stops."""

    beat_lock: BeatLock | None = None
    leading = False

    @classmethod
    def get_queryset(cls) -> Any:
        return scheduled_tenants()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if self.beat_lock is None:
            self.beat_lock = BeatLock()
        self.leading = self.beat_lock.held()
        if not self.leading:
            return STANDBY_SECONDS
        return float(super().tick(*args, **kwargs))

    def close(self) -> None:
        super().close()
        if self.beat_lock is not None:
            self.beat_lock.release()
