"""The demo's controlled clock: three months of activity written through the services as it
would have happened, each step at its own moment in the past (time-machine moves the process's
clock; the services read it as usual, so created, submitted, decided, received and paid times,
SLA due dates and the audit trail's times are all in the past and in order).

Each area of the seed schedules its steps (`timeline.at(days_ago, step)`); `run()` performs
them in time order, every step a little after the one before, so the audit trail's times rise
with its ids as they would in real use.

People work office hours on working days: a step's day and hour are placed in the working time
of that day (08:00-17:30, Monday to Friday); a weekend's steps are done on the Friday before,
after Friday's own, so every story keeps its order and nothing happens at night or on a
Sunday."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.utils import timezone

HISTORY_DAYS = 92  # the tenant opens about three months ago
WORK_START, WORK_END = 8.0, 17.5  # office hours, local time (a step may run a little on)
_SCHEDULE_FROM, _SCHEDULE_TO = 7.0, 19.0  # the hours steps are scheduled at, spread over them


def working_time(day: date, hour: float) -> tuple[date, float]:
    """Where a step scheduled on `day` at `hour` happens: within office hours of a working day.
    Monday to Thursday keep their day; Friday, Saturday and Sunday share the Friday, each a
    third of it in turn, so the order of (day, hour) is kept."""
    weekday = day.weekday()  # Monday 0 … Sunday 6
    slot, slots = (weekday - 4, 3) if weekday >= 4 else (0, 1)
    span = _SCHEDULE_TO - _SCHEDULE_FROM
    position = min(max(hour - _SCHEDULE_FROM, 0.0), span) / span
    worked = WORK_START + (slot + position) / slots * (WORK_END - WORK_START)
    return day - timedelta(days=slot), worked


class Timeline:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.today: date = timezone.localdate(self.now)
        self._steps: list[tuple[datetime, int, Callable[[], Any]]] = []

    def moment(self, days_ago: float, hour: float = 10.0) -> datetime:
        """The moment `days_ago` before today at `hour` (local time), in office hours of a
        working day (`working_time`), never later than a minute ago. A later step of a story (a
        decision after its submission) never lands before an earlier one."""
        day, worked = working_time(self.today - timedelta(days=int(days_ago)), hour)
        local = timezone.make_aware(
            datetime(day.year, day.month, day.day) + timedelta(hours=worked),
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
