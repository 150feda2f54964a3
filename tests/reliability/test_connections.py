"""The development server under parallel clients leaves no database connection behind: each
request's thread closes its own (a kept connection per finished thread once exhausted
PostgreSQL during the demo)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from tests.conftest import ROOT, free_port, poll, subprocess_env, wait_for_port

pytestmark = pytest.mark.django_db
APP = "spendgate-connection-test"


def _held(application: str = APP) -> list[tuple[Any, ...]]:
    """The server's connections still open now: state, since when, and their last query.

    A transaction reads pg_stat_activity from a snapshot taken at its first read, and keeps
    it until the transaction ends or pg_stat_clear_snapshot() drops it; this test runs in
    one transaction (pytest-django's), so without the clearing every poll after the first
    saw the connections the first poll saw, however long ago they closed: the test failed
    whenever a backend had not yet left when it first looked, which a busy machine made
    likely."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid, state, clock_timestamp() - state_change, left(query, 120)"
            " FROM pg_stat_activity WHERE application_name = %s",
            [application],
        )
        return list(cursor.fetchall())


def test_a_closed_connection_leaves_what_the_test_reads(db: None) -> None:
    """What `_held` reads is the server as it is now, inside the test's transaction too: a
    connection seen open and then closed is seen gone."""
    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        application_name=f"{APP}-closed",
    )
    try:
        assert len(_held(f"{APP}-closed")) == 1
    finally:
        other.close()
    poll(lambda: not _held(f"{APP}-closed"), timeout=60, what="the closed connection to leave")


def test_parallel_requests_leave_no_idle_connections(tenant_a: Any) -> None:
    port = free_port()
    env = {**subprocess_env(), "DB_APPLICATION_NAME": APP}
    env.pop("DB_CONN_MAX_AGE", None)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, server)

        def fetch(_: int) -> int:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/login/", headers={"Host": "a.localhost"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return int(response.status)

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(fetch, range(60)))
        assert statuses == [200] * 60
        # every request's connection is closed when it ends (the backend may take a moment
        # to leave pg_stat_activity, longer on a machine busy with other work)
        held: list[tuple[Any, ...]] = []

        def all_closed() -> bool:
            held[:] = _held()
            return not held

        try:
            poll(all_closed, timeout=60, what="connections to close")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; still open: {held}") from None
    finally:
        server.terminate()
        server.wait(10)
