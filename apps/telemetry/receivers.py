"""What Celery and sign-in tell through their signals, counted. Connected once per process
from TelemetryConfig.ready() (web and worker alike); no domain flow runs here."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from celery import signals as celery_signals
from django.contrib.auth.signals import user_login_failed

from .metrics import SIGN_IN_FAILURES, SIGN_IN_LOCKOUTS, TASK_DURATION, TASK_FAILURES, TASK_RETRIES

# task id -> when it started; a process runs one task at a time per thread, so this holds a
# handful of entries at most
started_at: dict[str, float] = {}
OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}


def task_started(task_id: str = "", **_: Any) -> None:
    started_at[task_id] = time.perf_counter()


def task_retried(sender: Any = None, **_: Any) -> None:
    TASK_RETRIES.labels(task=getattr(sender, "name", "unknown")).inc()


def task_failed(sender: Any = None, **_: Any) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


def task_finished(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    start = started_at.pop(task_id, None)
    if start is not None:
        outcome = OUTCOMES.get(state or "", "other")
        TASK_DURATION.labels(task=getattr(task, "name", "unknown"), outcome=outcome).observe(
            time.perf_counter() - start
        )


def sign_in_failed(**_: Any) -> None:
    SIGN_IN_FAILURES.inc()


def locked_out(**_: Any) -> None:
    SIGN_IN_LOCKOUTS.inc()


def connect() -> None:
    celery_signals.task_prerun.connect(task_started, weak=False, dispatch_uid="telemetry-prerun")
    celery_signals.task_retry.connect(task_retried, weak=False, dispatch_uid="telemetry-retry")
    celery_signals.task_failure.connect(task_failed, weak=False, dispatch_uid="telemetry-fail")
    celery_signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="telemetry-post")
    user_login_failed.connect(sign_in_failed, dispatch_uid="telemetry-sign-in-failed")
    user_locked_out.connect(locked_out, dispatch_uid="telemetry-locked-out")
