"""Beat cannot run twice (apps/tenancy/beat_lock.py): two beat schedulers of the product, each
with its own lock connection as two beat processes would have, tick side by side against the
real broker; a periodic task due in both is sent once, by the leader. When the leader stops,
the other takes over and sends it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings

from apps.alerts.scheduler import AlertingScheduler
from apps.tenancy.beat_lock import BeatLock
from apps.tenancy.due import DUE_PROBES
from config.celery import app

pytestmark = pytest.mark.django_db
EVERY = 0.5  # seconds: the probe task's period
TASK = "apps.assurance.tasks.verify_audit_chains"


@pytest.fixture
def probe_queue() -> Iterator[tuple[str, redis.Redis]]:
    """A queue of the test's own on the real broker, and the schedule of one periodic task
    that goes to it (nothing consumes it: the test counts what beat sent)."""
    queue = f"beat-probe-{uuid.uuid4().hex[:8]}"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    saved = app.conf.beat_schedule
    # a task without a due probe, so beat sends it to every tenant (apps/tenancy/due.py)
    assert TASK not in DUE_PROBES
    app.conf.beat_schedule = {
        "probe": {
            "task": TASK,
            "schedule": timedelta(seconds=EVERY),
            "options": {"queue": queue},
        }
    }
    try:
        yield queue, broker
    finally:
        app.conf.beat_schedule = saved
        broker.delete(queue)


def _beat(tmp_path: Path, name: str) -> Any:
    scheduler = AlertingScheduler(app=app, schedule_filename=str(tmp_path / name))
    scheduler.beat_lock = BeatLock(f"spendgate:beat:test:{uuid.uuid4().hex}")
    return scheduler


def test_a_second_beat_sends_nothing_until_the_first_stops(
    probe_queue: tuple[str, redis.Redis], tmp_path: Path
) -> None:
    queue, broker = probe_queue
    first = _beat(tmp_path, "first")
    second = _beat(tmp_path, "second")
    second.beat_lock = BeatLock(first.beat_lock.name)  # the same deployment's lock
    try:
        time.sleep(EVERY * 2)  # the probe is due in both
        first.tick()
        sent = broker.llen(queue)
        assert first.leading and sent > 0  # once per scheduled tenant
        second.tick()
        assert not second.leading
        assert broker.llen(queue) == sent  # the second beat sent nothing

        first.close()  # the leader stops: its session, and the lock, end
        time.sleep(EVERY * 2)
        second.tick()
        assert second.leading
        assert broker.llen(queue) == 2 * sent  # the second beat took over
    finally:
        first.beat_lock.release()
        second.close()


def test_another_regions_beat_leads_its_own_deployment(
    probe_queue: tuple[str, redis.Redis], tmp_path: Path
) -> None:
    """The lock is per deployment: two beats with different locks both lead."""
    one, other = _beat(tmp_path, "one"), _beat(tmp_path, "other")
    try:
        one.tick()
        other.tick()
        assert one.leading and other.leading
    finally:
        one.close()
        other.close()


def test_a_lost_lock_connection_is_noticed_and_the_lead_taken_again(tmp_path: Path) -> None:
    lock = BeatLock(f"spendgate:beat:test:{uuid.uuid4().hex}")
    try:
        assert lock.held()
        assert lock.connection is not None
        lock.connection.close()  # the database connection is lost
        assert lock.held()  # noticed, reconnected, and the free lock taken again
    finally:
        lock.release()
