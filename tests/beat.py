"""One round of the product's beat against the real broker, and what it sent to whom.

`beat_round(entry, tmp_path)` ticks a scheduler of the product (AlertingScheduler, leading on a
lock of its own) once, with the periodic task of `entry` (a CELERY_BEAT_SCHEDULE name) due and
sent to a queue of the test's own on the real Redis broker; nothing consumes that queue, so
the messages are read back: the schema of each (tenant-schemas-celery's `_schema_name`
header). Beat reads the tenants and runs the due probes on the test's connection, so it sees
the test's own rows."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.utils import timezone

from apps.alerts.scheduler import AlertingScheduler
from apps.tenancy.beat_lock import BeatLock
from config.celery import app


def beat_round(entry: str, tmp_path: Path) -> Counter[str]:
    """The schemas beat sent `entry`'s task to in one round, each with its number of messages."""
    queue = f"beat-due-{uuid.uuid4().hex[:8]}"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    planned = dict(settings.CELERY_BEAT_SCHEDULE[entry])
    planned["options"] = {**planned.get("options", {}), "queue": queue}
    saved = app.conf.beat_schedule
    app.conf.beat_schedule = {entry: planned}
    scheduler = AlertingScheduler(app=app, schedule_filename=str(tmp_path / f"beat-{queue}"))
    scheduler.beat_lock = BeatLock(f"spendgate:beat:test:{queue}")
    try:
        for name, scheduled in scheduler.schedule.items():  # due now, whatever its schedule
            if name.startswith(f"{entry}@"):
                scheduled.last_run_at = timezone.now() - timedelta(days=40)
        scheduler.tick()
        assert scheduler.leading
        messages = [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]
        return Counter(message["headers"]["_schema_name"] for message in messages)
    finally:
        scheduler.close()
        app.conf.beat_schedule = saved
        broker.delete(queue)
