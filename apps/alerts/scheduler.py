"""Beat's scheduler with one more duty: noticing that the worker stopped. Every other rule is
evaluated by a worker task (apps.alerts.tasks), which stops with the worker; beat is its own
process, so once a minute it evaluates the platform rules of BEAT_RULES in every client tenant
itself. When the worker runs again, its next evaluation (or beat's) resolves the alert."""

from __future__ import annotations

import time
from typing import Any

import structlog
from django.db import DatabaseError

from apps.tenancy.scheduler import HeartbeatScheduler

log = structlog.get_logger("spendgate.alerts")
EVERY_SECONDS = 60.0


def platform_alerts_evaluate() -> int:
    """BEAT_RULES in every client tenant; a tenant that fails is logged, the others still
    run (beat must never stop for an alert). The number of tenants evaluated."""
    # imported here: beat loads this class before Django's models are ready
    from apps.tenancy.context import client_tenants

    from .rules import BEAT_RULES
    from .services import alerts_evaluate

    done = 0
    for client in client_tenants():
        if not client.is_serving:  # suspended: no alert for people who cannot sign in
            continue
        try:
            alerts_evaluate(rules=BEAT_RULES)
        except DatabaseError:
            log.exception("platform_alerts_failed", tenant=client.slug)
            continue
        done += 1
    return done


class AlertingScheduler(HeartbeatScheduler):
    # the first check waits a minute after beat starts: a worker starting beside it has beaten
    # by then, so a heartbeat left by a worker that died before the restart raises nothing
    last_platform_check: float | None = None

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        if not self.leading:  # a beat standing by leaves the platform check to the leader
            return interval
        now = time.monotonic()
        if self.last_platform_check is None:
            self.last_platform_check = now
        elif now - self.last_platform_check >= EVERY_SECONDS:
            self.last_platform_check = now
            platform_alerts_evaluate()
        return interval
