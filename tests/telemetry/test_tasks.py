"""Celery task metrics: duration by task and outcome, retries and failures — eagerly in this
process, and once through a real worker writing to PROMETHEUS_MULTIPROC_DIR, as a deployed
worker does (its heartbeats for /readyz and for each queue it consumes come with it)."""

from __future__ import annotations

import time
from pathlib import Path

from celery import current_app
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from apps.telemetry import heartbeats
from config import queues
from config.celery import app
from tests.conftest import celery_worker, poll

PRUNE = "apps.integrations.tasks.prune_idempotency_keys"


@app.task(name="tests.telemetry.flaky", bind=True, max_retries=1)
def flaky(self: object, fail: bool) -> str:
    if fail:
        raise ValueError("broken on purpose")
    return "done"


def sample(name: str, registry: CollectorRegistry = REGISTRY, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_an_eager_task_is_timed_and_its_failure_counted() -> None:
    task = "tests.telemetry.flaky"
    timed = "spendgate_celery_task_duration_seconds_count"
    before = (
        sample(timed, task=task, outcome="succeeded"),
        sample(timed, task=task, outcome="failed"),
        sample("spendgate_celery_task_failures_total", task=task),
    )
    flaky.apply(args=[False])
    flaky.apply(args=[True])
    assert sample(timed, task=task, outcome="succeeded") == before[0] + 1
    assert sample(timed, task=task, outcome="failed") == before[1] + 1
    assert sample("spendgate_celery_task_failures_total", task=task) == before[2] + 1


def test_a_retry_is_counted() -> None:
    @app.task(name="tests.telemetry.retrying", bind=True, max_retries=3)
    def retrying(self: object) -> None:
        raise self.retry(countdown=60)  # type: ignore[attr-defined]

    before = sample("spendgate_celery_task_retries_total", task="tests.telemetry.retrying")
    retrying.apply(throw=False)  # eager: each retry runs at once, up to max_retries
    assert sample("spendgate_celery_task_retries_total", task="tests.telemetry.retrying") > before


def test_a_real_worker_records_its_tasks_in_the_multiprocess_directory(
    django_db_setup: None, tmp_path: Path
) -> None:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path))
    timed = "spendgate_celery_task_duration_seconds_count"
    served = [f"worker:{name}" for name in queues.consumed()]
    heartbeats.beat("worker", *served, at=time.time() - 3600)
    with celery_worker(PROMETHEUS_MULTIPROC_DIR=str(tmp_path)):
        current_app.send_task(PRUNE)  # on the public schema
        current_app.send_task(PRUNE, args=["not", "its", "arguments"])  # fails in the worker
        poll(lambda: sample(timed, registry, task=PRUNE, outcome="succeeded") >= 1,
             what="the worker's task duration")  # fmt: skip
        poll(lambda: sample("spendgate_celery_task_failures_total", registry, task=PRUNE) >= 1,
             what="the worker's task failure")  # fmt: skip
        assert sample(timed, registry, task=PRUNE, outcome="failed") >= 1
        for process in ("worker", *served):  # itself, and each queue it consumes
            age = heartbeats.age(process)
            assert age is not None and age < heartbeats.stale_after(), process
