"""Beat's scheduler: tenant-schemas-celery's, which fans each periodic task out to every client
tenant, beating beat's heartbeat as it ticks (`/readyz` reads it)."""

from __future__ import annotations

from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

from apps.telemetry.heartbeats import BeatHeartbeat


class HeartbeatScheduler(BeatHeartbeat, TenantAwarePersistentScheduler):
    pass
