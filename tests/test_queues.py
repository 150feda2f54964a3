"""Queues by kind (config/queues.py): every task of the product goes to a known queue and runs
under its kind's time limits; every queue has a worker in docker-compose.yml, in the dev stack
and in the tests' worker; and through the real broker each kind lands on its own queue, from
which the tests' worker takes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
import redis
import yaml
from django.conf import settings

from config import queues
from config.celery import app
from tests.conftest import ROOT, celery_worker, poll

PRUNE = "apps.integrations.tasks.prune_idempotency_keys"


@pytest.fixture(scope="module")
def product_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if name.startswith("apps.")}


def test_every_task_is_routed_to_its_kinds_queue(product_tasks: set[str]) -> None:
    # a new task must name its kind in config/queues.py; a renamed one would strand the
    # messages already queued under its old name
    assert product_tasks == set(queues.TASKS)
    assert set(queues.TASKS.values()) == set(queues.QUEUES)  # no kind without work
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in product_tasks}
    assert routed == queues.TASKS
    assert app.amqp.router.route({}, "not.a.product.task")["queue"].name == "default"


def test_every_periodic_task_is_a_routed_task() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(queues.TASKS), scheduled - set(queues.TASKS)


def test_each_task_runs_under_its_kinds_time_limits(product_tasks: set[str]) -> None:
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for name in product_tasks:
        task = app.tasks[name]
        soft, hard = queues.limits_of(name)
        assert (task.soft_time_limit, task.time_limit) == (soft, hard), name
        # the soft limit leaves the task time to roll back; a task still running when the
        # broker's visibility timeout passes would be handed to a second worker
        assert 0 < soft < hard < visibility, name
    # the limits are the task's own, whatever worker runs it: a report is not held to a
    # webhook delivery's limit even when it runs on the default worker (the `celery` queue)
    report = app.tasks["apps.assurance.tasks.generate_evidence_pack"]
    delivery = app.tasks["apps.integrations.tasks.deliver_webhooks"]
    assert report.time_limit > 5 * delivery.time_limit
    purge = app.tasks["apps.retention.tasks.purge_expired_records"]
    assert queues.TASKS[purge.name] == "default"
    assert purge.time_limit > queues.QUEUES["default"].hard_seconds


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def _option(command: list[str], flag: str) -> str:
    assert flag in command, f"{flag} missing in {command}"
    return command[command.index(flag) + 1]


def test_every_queue_has_a_worker_in_docker_compose() -> None:
    services = _compose()["services"]
    default = {name: s for name, s in services.items() if not s.get("profiles")}
    workers = {name: s for name, s in default.items() if s.get("command", [])[3:4] == ["worker"]}
    served: dict[str, str] = {}
    for name, service in workers.items():
        command = service["command"]
        consumed = _option(command, "-Q").split(",")
        assert _option(command, "--concurrency"), name
        for queue in consumed:
            assert queue not in served, f"{queue} served by {served.get(queue)} and {name}"
            served[queue] = name
        # its container checks the heartbeat of a queue it serves
        assert service["environment"]["SPENDGATE_QUEUE"] in consumed, name
        assert "readiness --queue $$SPENDGATE_QUEUE" in " ".join(service["healthcheck"]["test"])
        assert service["stop_grace_period"]
    assert set(served) == set(queues.consumed())
    assert served["celery"] == served["default"]  # the previous release's queue drains
    beats = [n for n, s in default.items() if s.get("command", [])[3:4] == ["beat"]]
    assert beats == ["beat"] and "replicas" not in default["beat"].get("deploy", {})
    assert "replicas" in default["web"]["deploy"] and "proxy" in default


def test_the_citus_profile_is_a_coordinator_and_two_workers_beside_the_default() -> None:
    services = _compose()["services"]
    citus = {name: s for name, s in services.items() if s.get("profiles")}
    assert all(s["profiles"] == ["citus"] for s in citus.values())
    images = {name: s["image"] for name, s in citus.items()}
    assert all(image.startswith("citusdata/citus:") for image in images.values())
    assert sorted(images) == [
        "citus-coordinator",
        "citus-setup",
        "citus-worker-1",
        "citus-worker-2",
    ]
    settings_given = " ".join(services["citus-coordinator"]["command"])
    for needed in (  # why each: docs/scale.md, "Citus"
        "citus.enable_schema_based_sharding=on",
        "citus.enable_unsafe_triggers=on",
        "citus.propagate_set_commands=local",
    ):
        assert needed in settings_given
    # the default profile does not depend on the cluster
    for name, service in services.items():
        if name not in citus:
            assert not set(service.get("depends_on", {})) & set(citus), name


DEV_WORKER = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("devstack", sys.argv[1])
devstack = importlib.util.module_from_spec(spec)
spec.loader.exec_module(devstack)
print(json.dumps(devstack.worker_command("celery")))
"""


def test_the_dev_stack_worker_consumes_every_queue() -> None:
    # `make demo` reads the queues before Django is set up: a bare interpreter, no settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTHONPATH"))}
    script = str(ROOT / "scripts" / "devstack.py")
    answer = subprocess.run(
        [sys.executable, "-c", DEV_WORKER, script],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    command = json.loads(answer.stdout)
    assert set(_option(command, "-Q").split(",")) == set(queues.consumed())
    # a worker started without -Q (`make worker`) consumes every queue too
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == set(queues.consumed())


def test_each_kind_lands_on_its_queue_and_the_test_worker_takes_every_queue(
    django_db_setup: None,
) -> None:
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    names = queues.consumed()
    broker.delete(*names)
    # by name, as services send their work: each kind's task waits in its own queue
    for kind in queues.QUEUES:
        task = next(name for name, queue in queues.TASKS.items() if queue == kind)
        app.send_task(task, args=["not-run"], ignore_result=True)
        assert {name: broker.llen(name) for name in names} == {
            name: int(name == kind) for name in names
        }, task
        broker.delete(kind)  # it was to be routed, not run
    # a harmless task on every queue, the previous release's included: the worker empties them
    for name in names:
        app.send_task(PRUNE, queue=name, ignore_result=True)
    assert all(broker.llen(name) == 1 for name in names)
    with celery_worker():
        poll(
            lambda: all(broker.llen(name) == 0 for name in names),
            what="the test worker to take a task from every queue",
        )
