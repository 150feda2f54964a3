"""Beat's scheduler: tenant-schemas-celery's, which fans each periodic task out to every client
tenant, beating beat's heartbeat as it ticks (`/readyz` reads it).

Only active tenants get periodic work. A suspended or offboarding tenant's data rests as it
was: no approval or exception escalation fires at people who cannot sign in, no renewal
reminder, no webhook delivery (its deliveries wait, pending), no mailbox poll (its mail waits
in the mailbox), no matching or report. A tenant of another region is its own region's
deployment's to schedule (docs/residency.md). Once it is resumed, the next run of each task picks up
where it stands. The public schema's own tasks (the roll-up, offboarding's deletions) run.

Of the active tenants, a task with a due probe goes only to those with work due now
(apps.tenancy.due): a tenant with nothing due gets no message."""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.db.models import Q
from django_tenants.utils import get_public_schema_name, schema_context
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

from apps.telemetry.heartbeats import BeatHeartbeat

from .beat_lock import BeatLock
from .due import schemas_with_work_due

log = structlog.get_logger("spendgate.beat")


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

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        """A task for every client tenant goes to those with work due (all of them when the
        task has no due probe); a task for named schemas is sent as the library sends it."""
        if not entry.options.setdefault("headers", {}).get("_all_tenants_only"):
            super().apply_entry(entry, producer=producer)
            return
        scheduled = list(
            self.get_queryset()
            .exclude(schema_name=get_public_schema_name())
            .values_list("schema_name", flat=True)
        )
        due = schemas_with_work_due(entry.task, scheduled, task_kwargs=entry.kwargs)
        log.info("beat_sending", task=entry.task, tenants=len(scheduled), due=len(due))
        for schema in due:
            with schema_context(schema):
                try:
                    self.apply_async(entry, producer=producer, advance=False)
                except Exception:  # one tenant's send must not stop the others' (as the library)
                    log.exception("beat_send_failed", task=entry.task, tenant=schema)

    def close(self) -> None:
        super().close()
        if self.beat_lock is not None:
            self.beat_lock.release()
