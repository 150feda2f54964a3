"""Sending background work. A service never imports a Celery task (tasks import services):
it names the task, and the task is sent once the service's transaction commits, carrying the
current schema (tenant-schemas-celery), so it runs in the tenant that asked for it."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def send_on_commit(task: str, *args: Any, **kwargs: Any) -> None:
    """Send `task` (its dotted name, e.g. "apps.invoices.tasks.match_invoices") with these
    arguments (ids, never objects) when the transaction commits. Under `task_always_eager`
    (the demo seeds without a worker) it runs here, at commit."""

    def send() -> None:
        if current_app.conf.task_always_eager:
            current_app.loader.import_default_modules()
            current_app.tasks[task].apply_async(args, kwargs)
        else:
            current_app.send_task(task, args=args, kwargs=kwargs)

    transaction.on_commit(send)
