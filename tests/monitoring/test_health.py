"""`/healthz` (the process is up) and `/readyz` (database, cache, migrations, worker, beat): 503
with the failing check named when the worker's heartbeat is stale or a migration is pending."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from apps.monitoring.readiness import migrations
from apps.telemetry import heartbeats

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_answers() -> Iterator[None]:
    """Heartbeats just written by a worker and beat; the migration check asked anew."""
    heartbeats.beat("worker")
    heartbeats.beat("beat")
    migrations.clear()
    yield
    migrations.clear()


def readyz(host: str = "203.0.113.5:8000") -> tuple[int, dict[str, dict[str, str]]]:
    answer = Client(REMOTE_ADDR="203.0.113.9").get("/readyz", HTTP_HOST=host)
    assert answer["Content-Type"] == "application/json"
    return answer.status_code, json.loads(answer.content)


def test_healthz_answers_on_any_host_without_sign_in() -> None:
    answer = Client().get("/healthz", HTTP_HOST="198.51.100.4")
    assert answer.status_code == 200 and answer.content == b"ok\n"
    assert Client().head("/healthz", HTTP_HOST="a.localhost").status_code == 200


def test_readyz_is_200_when_all_is_well() -> None:
    status, report = readyz()
    assert status == 200
    assert report == {name: {"status": "ok"} for name in
                      ("database", "cache", "migrations", "worker", "beat")}  # fmt: skip


def test_a_stale_worker_heartbeat_fails_readiness() -> None:
    heartbeats.beat("worker", at=time.time() - 4 * heartbeats.stale_after())
    status, report = readyz()
    assert status == 503
    assert report["worker"]["status"] == "failing"
    assert report["worker"]["reason"].startswith("last heartbeat ")
    assert report["beat"] == report["database"] == {"status": "ok"}


def test_a_worker_that_never_beat_fails_readiness() -> None:
    heartbeats.broker_redis().delete(heartbeats.KEY.format("worker"))
    status, report = readyz()
    assert status == 503 and report["worker"] == {"status": "failing", "reason": "no heartbeat"}


def test_a_pending_migration_fails_readiness() -> None:
    """One applied migration of the public schema recorded as not applied (inside the test's
    transaction): the executor's plan against the public schema has it pending."""
    app, name = sorted(MigrationLoader(connection).graph.leaf_nodes())[0]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])
        assert cursor.rowcount == 1
    status, report = readyz("a.localhost")
    assert status == 503
    assert report["migrations"] == {"status": "failing", "reason": "1 pending"}


def test_the_migration_answer_is_kept_for_a_minute() -> None:
    assert readyz()[0] == 200
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'integrations'")
    assert readyz()[1]["migrations"] == {"status": "ok"}  # still the answer of a moment ago
    migrations.clear()
    assert readyz()[1]["migrations"]["status"] == "failing"


def test_the_worker_container_checks_its_heartbeat_from_a_shell() -> None:
    from django.core.management import CommandError, call_command

    call_command("readiness", "--only", "worker", "--only", "beat")
    heartbeats.beat("beat", at=time.time() - 4 * heartbeats.stale_after())
    with pytest.raises(CommandError, match="failing: beat"):
        call_command("readiness", "--only", "beat")


def test_a_per_queue_worker_container_checks_its_queue_is_served() -> None:
    from django.core.management import CommandError, call_command

    heartbeats.beat("worker:matching", "worker:reports")
    call_command("readiness", "--queue", "matching", "--queue", "reports")
    heartbeats.beat("worker:matching", at=time.time() - 4 * heartbeats.stale_after())
    heartbeats.broker_redis().delete(heartbeats.KEY.format("worker:mail"))
    with pytest.raises(CommandError, match=r"failing: worker:matching, worker:mail$"):
        call_command("readiness", "--queue", "matching", "--queue", "mail")
    with pytest.raises(CommandError):
        call_command("readiness", "--queue", "no-such-queue")
