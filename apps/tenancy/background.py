"""Sending background work. A service never imports a Celery task (tasks import services):
it names the task, and the task is sent once the service's transaction commits, carrying the
current schema (tenant-schemas-celery), so it runs in the tenant that asked for it.

A task is a nudge, never the only record of the work: the work itself is in the database
(an invoice `received`, a pack `queued`), and beat's catch-up sweeps pick up whatever a nudge
did not reach. So when the broker is down the user's request still succeeds: the send is
logged as not sent and the sweep does the work once the broker is back (docs/operations.md).
"""

from __future__ import annotations

from typing import Any

import structlog
from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

log = structlog.get_logger("spendgate.background")


def send_task_now(task: str, *args: Any, **kwargs: Any) -> None:
    """Send `task` now (from an on-commit hook); under `task_always_eager` (the demo seeds
    without a worker) run it here. A broker that is down is logged, never raised."""
    if current_app.conf.task_always_eager:
        current_app.loader.import_default_modules()
        current_app.tasks[task].apply_async(args, kwargs)
        return
    try:
        current_app.send_task(task, args=args, kwargs=kwargs, ignore_result=True)
    except (OperationalError, RedisError, ConnectionError, OSError) as exc:
        # committed work waits for the catch-up sweep; the request that made it succeeds
        log.warning("task_not_sent", task=task, error=str(exc)[:200])


def send_on_commit(task: str, *args: Any, **kwargs: Any) -> None:
    """Send `task` (its dotted name, e.g. "apps.invoices.tasks.match_invoices") with these
    arguments (ids, never objects) when the transaction commits. Under `task_always_eager`
    (the demo seeds without a worker) it runs here, at commit."""
    transaction.on_commit(lambda: send_task_now(task, *args, **kwargs))
