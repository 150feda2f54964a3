"""The worker's and beat's heartbeats: each writes the time to the broker's Redis every
`HEARTBEAT_SECONDS`, and `/readyz` calls a process stale after three missed beats. A worker
also beats for each queue it consumes (`worker:<queue>`), so the container of a per-queue
worker checks that its queue is served (`manage.py readiness --queue matching`). The keys
belong to the installation, not a tenant, so they bypass the tenant-prefixed cache."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import redis
import structlog
from celery import bootsteps
from django.conf import settings

log = structlog.get_logger("spendgate.telemetry")
KEY = "spendgate:heartbeat:{}"
TIMEOUT_SECONDS = 1.0


@cache
def broker_redis() -> redis.Redis:
    """The broker's Redis, with timeouts short enough for a health check or a scrape."""
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
    )


def beat(*processes: str, at: float | None = None) -> None:
    """`processes` (worker, worker:<queue>, beat) are alive at `at` (now). A missed beat is
    logged, never raised: the heartbeat must not stop the work it reports on."""
    now = at if at is not None else time.time()
    try:
        broker_redis().mset({KEY.format(process): now for process in processes})
    except redis.RedisError as exc:
        log.warning("heartbeat_not_written", process=processes[0], error=str(exc)[:200])


def age(process: str) -> float | None:
    """Seconds since `process` last beat; None when it never did. Raises RedisError."""
    value = broker_redis().get(KEY.format(process))
    return None if value is None else max(0.0, time.time() - float(value))


def stale_after() -> float:
    return 3 * settings.HEARTBEAT_SECONDS


def worker_processes(worker: Any) -> tuple[str, ...]:
    """What a worker beats for: itself and each queue it consumes (`-Q`, else every queue)."""
    queues = worker.app.amqp.queues
    return ("worker", *(f"worker:{name}" for name in (queues.consume_from or queues)))


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker bootstep: beats at start and then every HEARTBEAT_SECONDS on the worker's
    timer (its main process, whatever the pool)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_ref: Any = None

    def start(self, worker: Any) -> None:
        processes = worker_processes(worker)
        beat(*processes)
        self.timer_ref = worker.timer.call_repeatedly(
            settings.HEARTBEAT_SECONDS, beat, processes, priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None


class BeatHeartbeat:
    """Mixed into beat's scheduler: each tick beats, at most once per HEARTBEAT_SECONDS."""

    last_heartbeat = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.time()
        if now - self.last_heartbeat >= settings.HEARTBEAT_SECONDS:
            beat("beat", at=now)
            self.last_heartbeat = now
        interval: float = super().tick(*args, **kwargs)  # type: ignore[misc]
        return min(interval, settings.HEARTBEAT_SECONDS)
