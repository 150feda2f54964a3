"""The demo's controlled clock: three months of activity written through the services as it
would have happened, each step at its own moment in the past (time-machine moves the process's
clock; the services read it as usual, so created, submitted, decided, received and paid times,
SLA due dates and the audit trail's times are all in the past and in order).

Each area of the seed schedules its steps (`timeline.at(days_ago, step)`); `run()` performs
them in time order, every step a little after the one before, so the audit trail's times rise
with its ids as they would in real use."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.utils import timezone

HISTORY_DAYS = 92  # the tenant opens about three months ago


class Timeline:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.today: date = timezone.localdate(self.now)
        self._steps: list[tuple[datetime, int, Callable[[], Any]]] = []

    def moment(self, days_ago: float, hour: float = 10.0) -> datetime:
        """The moment `days_ago` before today at `hour` (local time), never later than a minute
        ago. Days are not moved off weekends: a later step of a story (a decision after its
        submission) must never land before an earlier one."""
        day = self.today - timedelta(days=int(days_ago))
        local = timezone.make_aware(
            datetime(day.year, day.month, day.day) + timedelta(hours=hour),
            timezone.get_current_timezone(),
        )
        return min(local, self.now - timedelta(minutes=1))

    def at(self, days_ago: float, step: Callable[[], Any], *, hour: float = 10.0) -> None:
        self._steps.append((self.moment(days_ago, hour), len(self._steps), step))

    def run(self) -> None:
        last: datetime | None = None
        for when, _order, step in sorted(self._steps, key=lambda s: (s[0], s[1])):
            start = when if last is None or when > last else last + timedelta(seconds=5)
            with time_machine.travel(start, tick=True), tasks_inline():
                _with_its_commit_work(step)
                last = timezone.now()
        self._steps.clear()


@contextlib.contextmanager
def tasks_inline() -> Iterator[None]:
    """Run Celery tasks in this process while seeding, so the seed needs no worker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def _with_its_commit_work(step: Callable[[], Any]) -> None:
    """Run a step and what it sends on commit (checks, matching, e-mail) at its own moment.
    Outside a transaction that happens by itself; when the whole seed runs inside one (the
    tests roll it back), the step's on-commit work is run as the step ends, as a commit would."""
    if not connection.in_atomic_block:
        step()
        return
    start = len(connection.run_on_commit)
    step()
    while len(connection.run_on_commit) > start:
        entry = connection.run_on_commit.pop(start)  # (savepoints, callable, robust)
        entry[1]()
