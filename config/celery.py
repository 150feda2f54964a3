"""Celery app. Tasks derive from tenant-schemas-celery's TenantTask, so the schema that was
active when a task was sent is active again when it runs."""

import gc
import os

from celery import signals
from tenant_schemas_celery.app import CeleryApp

from config.tracing import start_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("spendgate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect  # each child of the prefork pool, after the fork
@signals.worker_ready.connect  # the solo and thread pools run tasks in this process
def freeze_start_up_heap(**_: object) -> None:
    """Move everything loaded at start-up (Django, the apps, their modules) out of the
    garbage collector's sight: it lives as long as the worker, yet every full collection
    would scan it again, and a batch such as matching, which makes tens of thousands of
    objects, sets off such collections. In a prefork child it also keeps the child's
    collections off the pages it shares with the parent."""
    gc.freeze()


@signals.worker_process_init.connect  # each pool process (prefork child, or the solo worker)
def trace_worker_process(**_: object) -> None:
    """A provider of its own per process: the exporter's thread and the instrumentations do
    not survive a fork (docs/operations.md, "Tracing")."""
    start_tracing("worker")


@signals.beat_init.connect
def trace_beat(**_: object) -> None:
    start_tracing("beat")
