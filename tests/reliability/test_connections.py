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


def _held() -> list[tuple[Any, ...]]:
    """The server's connections still open: state, since when, and their last query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, now() - state_change, left(query, 120) FROM pg_stat_activity"
            " WHERE application_name = %s",
            [APP],
        )
        return list(cursor.fetchall())


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
