"""Many client tenants on one machine (issue 38): provisioning, migrations, beat, catalog, memory.

1. Provisions N client tenants through the product's own path (`tenant_provision`: the
   template schema cloned, domain, provisioning steps): per-tenant p50/p95 and the total.
2. The catalog (pg_class rows, database size) before and after.
3. `migrate_schemas` over every schema with one new migration pending everywhere (a scratch
   app, `benchscratch`, written to a temporary package that a settings module of its own adds
   to INSTALLED_APPS and TENANT_APPS for these runs only: nothing in the repository changes),
   with the sequential executor, then with a second migration and the parallel one; then
   with nothing pending, opening only the schemas behind (the product's way) and opening
   every schema (django-tenants' way, `--every-schema`).
4. Two beat rounds (the first after provisioning, when a new tenant has first-time work;
   then one with nothing due): every periodic task handed to the scheduler's fan-out
   (`apply_entry`, as beat's tick does; the public schema's own tasks too, as beat would
   run them) with a real Celery worker running (prefork, 2
   processes, as `make demo`): tasks sent per tenant, time until the queues drain, tasks per
   second; what a tenant with nothing due costs (tasks, queries, worker time) and the tenants
   the worker and beat can carry; beat's own per-minute platform check.
5. The RSS of the worker's processes after the rounds touched every tenant.

Every schema and row it made is dropped at the end, a failure included, as are the scratch
app's tables and rows in the schemas it did not make (public, the template, existing tenants
such as the demo's, which the migrate runs include). A run killed outright is cleaned up by
the next one (tenants named benchtn*). The broker and cache are Redis database 13, so a
running demo's worker never takes the bench's tasks.

    make bench-tenants TENANTS_ARGS="--tenants 100"      # 1,000 by default: an hour or more
    python bench/tenants.py [--tenants 1000] [--sequential-noop]
    # by hand, with the services `make bench` uses:
    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python scripts/devstack.py run -- \\
        sh -c '.venv/bin/python manage.py migrate_schemas -v 0 && .venv/bin/python bench/tenants.py'
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("LOG_LEVEL", "WARNING")
BENCH_REDIS_DB = 13
_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
_server = _redis.rsplit("/", 1)[0] if _redis.rsplit("/", 1)[-1].isdigit() else _redis
os.environ["REDIS_URL"] = f"{_server}/{BENCH_REDIS_DB}"

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import redis  # noqa: E402
from aims import aim  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from psycopg import sql  # noqa: E402
from submit import PASSWORD, percentile  # noqa: E402

PREFIX = "benchtn"
SCRATCH = "benchscratch"
PROCESSES = int(getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2))


STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[tenants {time.monotonic() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # Ctrl-C or devstack's stop: clean up on the way out


# --------------------------------------------------------------------------- tenants
def provision(count: int, run: str) -> tuple[list[Any], list[float], list[float]]:
    """N tenants through tenant_provision; the seconds of each, and of its schema clone."""
    from apps.demo.tenants import ensure_partner_admin, ensure_public_tenant
    from apps.tenancy import cloning
    from apps.tenancy.services import tenant_provision

    ensure_public_tenant()
    partner = ensure_partner_admin(
        email="bench@partner.example", partner_name="Bench Partner", password=PASSWORD
    )
    clients, seconds, clones = [], [], []
    clone_schema = cloning.clone_schema

    def timed_clone(template: str, target: str) -> None:
        started = time.perf_counter()
        clone_schema(template, target)
        clones.append(time.perf_counter() - started)

    cloning.clone_schema = timed_clone  # Client.create_schema imports it when it runs
    try:
        for i in range(count):
            slug = f"{PREFIX}{run}{i}"
            started = time.perf_counter()
            clients.append(
                tenant_provision(
                    actor=partner,
                    slug=slug,
                    name=slug,
                    domain=f"{slug}.bench.localhost",
                    brand={},
                )
            )
            seconds.append(time.perf_counter() - started)
            if (i + 1) % max(1, count // 10) == 0:
                progress(f"provisioned {i + 1}/{count}")
    finally:
        cloning.clone_schema = clone_schema
    return clients, seconds, clones


def drop_bench_tenants() -> int:
    """Every tenant and schema of this bench (this run's, and any a killed run left)."""
    from apps.tenancy.models import Client

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"{PREFIX}%"])
        schemas = [name for (name,) in cursor.fetchall()]
        for schema in schemas:  # one per transaction: a schema holds hundreds of locks
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    Client.tombstones_included.filter(slug__startswith=PREFIX).delete()
    return len(schemas)


def catalog() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_attribute),"
            " pg_database_size(current_database()),"
            " (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
            "  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog')"
        )
        pg_class, pg_attribute, database, catalog_bytes = cursor.fetchone()
    return {
        "pg_class": pg_class,
        "pg_attribute": pg_attribute,
        "database": database,
        "catalog": int(catalog_bytes),
    }


# --------------------------------------------------------------------------- migrations
SCRATCH_MODELS = """
from django.db import models


class Note(models.Model):
    text = models.CharField(max_length=40)
    done = models.BooleanField(default=False)
"""
SCRATCH_MIGRATIONS = {
    "0001_initial": """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("text", models.CharField(max_length=40)),
            ],
        ),
    ]
""",
    "0002_note_done": """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchscratch", "0001_initial")]
    operations = [
        migrations.AddField("note", "done", models.BooleanField(default=False)),
    ]
""",
}


def scratch_app(folder: Path) -> dict[str, str]:
    """The scratch app and a settings module adding it, in `folder`; the environment that
    runs manage.py with them."""
    package = folder / SCRATCH
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(SCRATCH_MODELS)
    (package / "migrations" / "__init__.py").write_text("")
    base = os.environ["DJANGO_SETTINGS_MODULE"]
    (folder / "bench_scratch_settings.py").write_text(
        f"from {base} import *  # noqa: F403\n"
        f"INSTALLED_APPS = [*INSTALLED_APPS, {SCRATCH!r}]  # noqa: F405\n"
        f"TENANT_APPS = [*TENANT_APPS, {SCRATCH!r}]  # noqa: F405\n"
    )
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "bench_scratch_settings",
    }


def scratch_migration_add(folder: Path, name: str) -> None:
    path = folder / SCRATCH / "migrations" / f"{name}.py"
    path.write_text(textwrap.dedent(SCRATCH_MIGRATIONS[name]))


def migrate(env: dict[str, str], *options: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate_schemas", *options],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"migrate_schemas {' '.join(options)} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def schemas_with_django_migrations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = 'django_migrations' AND c.relkind = 'r' ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def schemas_missing(schemas: list[str], migration: str) -> list[str]:
    """Those of `schemas` where the scratch app's `migration` is not recorded (one query)."""
    if not schemas:
        return []
    union = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {} FROM {}.django_migrations WHERE app = %s AND name = %s").format(
            sql.Literal(s), sql.Identifier(s)
        )
        for s in schemas
    )
    with connection.cursor() as cursor:
        cursor.execute(union, [SCRATCH, migration] * len(schemas))
        recorded = {name for (name,) in cursor.fetchall()}
    return [s for s in schemas if s not in recorded]


SCRATCH_REMOVE = [
    "DELETE FROM {s}.auth_group_permissions WHERE permission_id IN (SELECT p.id"
    " FROM {s}.auth_permission p JOIN {s}.django_content_type t ON t.id = p.content_type_id"
    " WHERE t.app_label = %(app)s)",
    "DELETE FROM {s}.auth_permission WHERE content_type_id IN"
    " (SELECT id FROM {s}.django_content_type WHERE app_label = %(app)s)",
    "DELETE FROM {s}.django_content_type WHERE app_label = %(app)s",
]


def scratch_remove() -> None:
    """The scratch app's rows and tables in every schema left (the bench's own are dropped)."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for schema in schemas_with_django_migrations():
            s = sql.Identifier(schema)
            cursor.execute(
                sql.SQL("DELETE FROM {}.django_migrations WHERE app = %s").format(s), [SCRATCH]
            )
            cursor.execute(
                sql.SQL("DROP TABLE IF EXISTS {}.{}").format(s, sql.Identifier(f"{SCRATCH}_note"))
            )
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".auth_permission'])
            if cursor.fetchone()[0]:
                for statement in SCRATCH_REMOVE:
                    cursor.execute(sql.SQL(statement).format(s=s), {"app": SCRATCH})


def migrations_bench(folder: Path, clients: list[Any], sequential_noop: bool) -> dict[str, Any]:
    env = scratch_app(folder)
    mine = [c.schema_name for c in clients]
    result: dict[str, Any] = {}
    scratch_migration_add(folder, "0001_initial")
    progress("migrate_schemas, one migration pending everywhere, sequential executor")
    result["sequential"], _ = migrate(env, "-v", "0", "--executor=standard")
    scratch_migration_add(folder, "0002_note_done")
    progress(f"migrate_schemas, one migration pending everywhere, parallel ({PROCESSES})")
    result["parallel"], _ = migrate(env, "-v", "0", "--executor=parallel")
    missing = schemas_missing(mine, "0001_initial") + schemas_missing(mine, "0002_note_done")
    if missing:
        raise RuntimeError(f"scratch migrations missing in {len(missing)} schemas: {missing[:5]}")
    result["schemas"] = len(schemas_with_django_migrations())
    progress("migrate_schemas with nothing pending, skipping up-to-date schemas")
    result["noop_skipping"], out = migrate(env, "-v", "1")
    found = re.search(r"(\d+) of (\d+) schemas have migrations to apply", out)
    result["noop_opened"] = f"{found[1]} of {found[2]}" if found else "?"
    progress("migrate_schemas with nothing pending, opening every schema (parallel)")
    result["noop_every_parallel"], _ = migrate(
        env, "-v", "0", "--every-schema", "--executor=parallel"
    )
    if sequential_noop:
        progress("migrate_schemas with nothing pending, opening every schema (sequential)")
        result["noop_every_sequential"], _ = migrate(env, "-v", "0", "--every-schema")
    return result


# --------------------------------------------------------------------------- beat round
def worker_queues(app: Any) -> list[str]:
    """Every queue a periodic task or a routed task goes to, and the default one."""
    names = {app.conf.task_default_queue}
    names |= {q.name for q in (app.conf.task_queues or [])}
    for route in (app.conf.task_routes or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    for entry in app.conf.beat_schedule.values():
        names.add(app.amqp.router.route(entry.get("options", {}), entry["task"])["queue"].name)
    return sorted(names)


def start_worker(app: Any, queues: list[str], log: Path) -> subprocess.Popen[bytes]:
    name = f"bench-tenants-{os.getpid()}@%h"
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "-l", "info",
         "-Q", ",".join(queues), "--concurrency", "2", "-n", name,
         "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}; see {log}")
        if app.control.ping(timeout=1.0):
            return worker
    raise TimeoutError("the worker did not answer within 120 s")


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def waiting(broker: redis.Redis, queues: list[str]) -> int:
    """Messages waiting in the queues (every priority step) or taken and not yet done."""
    keys = [
        f"{q}{suffix}" for q in queues for suffix in ("", "\x06\x163", "\x06\x166", "\x06\x169")
    ]
    return sum(int(broker.llen(key)) for key in keys) + int(broker.hlen("unacked"))


def drain(broker: redis.Redis, queues: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if waiting(broker, queues) == 0:
            time.sleep(0.2)
            if waiting(broker, queues) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the queues did not drain within {timeout:.0f} s")


def rss_mb(worker: subprocess.Popen[bytes]) -> tuple[float, list[float]]:
    main = psutil.Process(worker.pid)
    children = main.children(recursive=True)
    return main.memory_info().rss / 2**20, sorted(c.memory_info().rss / 2**20 for c in children)


def ran(log: Path, start: int) -> tuple[Counter[str], Counter[str], int]:
    """Tasks the worker finished after `start` (an offset in its log): count and seconds per
    task, and how many failed."""
    done: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    failed = 0
    with log.open("rb") as lines:
        lines.seek(start)
        text = lines.read().decode(errors="replace")
    for line in text.splitlines():
        if found := re.search(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([0-9.eE-]+)s", line):
            done[found[1]] += 1
            seconds[found[1]] += float(found[2])
        elif re.search(r"Task [\w.]+\[[^\]]+\] raised", line):
            failed += 1
    return done, seconds, failed


class Round:
    """One beat round: every periodic task handed to the scheduler's fan-out, as beat's tick
    does when each comes due, then the wait until the worker has emptied the queues."""

    def __init__(self, app: Any, scheduler: Any, broker: redis.Redis, queues: list[str]):
        self.app, self.scheduler, self.broker, self.queues = app, scheduler, broker, queues
        self.entries = list(scheduler.schedule.values())
        self.fanned = [
            e for e in self.entries if e.options.get("headers", {}).get("_all_tenants_only")
        ]

    def run(self, clients: list[Any], log: Path) -> dict[str, Any]:
        from celery.signals import after_task_publish

        schemas: Counter[str] = Counter()

        def count(headers: dict[str, Any] | None = None, **_: Any) -> None:
            schemas[str((headers or {}).get("_schema_name"))] += 1

        per_entry: dict[str, tuple[int, float]] = {}  # entry: (tasks sent, seconds in beat)
        log_start = log.stat().st_size
        after_task_publish.connect(count, weak=False)
        try:
            started = time.perf_counter()
            for entry in self.entries:
                sent_before, began = sum(schemas.values()), time.perf_counter()
                self.scheduler.apply_entry(entry, producer=self.scheduler.producer)
                per_entry[entry.name] = (
                    sum(schemas.values()) - sent_before,
                    time.perf_counter() - began,
                )
            fan_out = time.perf_counter() - started
        finally:
            after_task_publish.disconnect(count)
        drain(self.broker, self.queues, timeout=600 + 5 * len(clients))
        drained = time.perf_counter() - started
        done, seconds, failed = ran(log, log_start)
        return {
            "fan_out": fan_out,
            "per_entry": per_entry,
            "sent": sum(schemas.values()),
            "sent_to_mine": sum(schemas[c.schema_name] for c in clients),
            "sent_public": schemas["public"],
            "drained": drained,
            "done": sum(done.values()),
            "failed": failed,
            "mean": {task: seconds[task] / done[task] for task in done},
            "public_seconds": {
                e.task.rsplit(".", 1)[-1]: seconds[e.task]
                for e in self.entries
                if e not in self.fanned
            },
        }


def runs_per_hour(entry: Any) -> float:
    """How often a periodic task comes due, per hour (a crontab's minutes, hours and days)."""
    from celery.schedules import crontab

    schedule = entry.schedule
    if isinstance(schedule, crontab):
        days = len(schedule.day_of_week) / 7 * len(schedule.day_of_month) / 31
        return len(schedule.minute) * len(schedule.hour) / 24 * days
    return 3600 / schedule.run_every.total_seconds()


def beat_rounds(folder: Path, clients: list[Any]) -> dict[str, Any]:
    """Two rounds: the first after provisioning (a new tenant has first-time work: the
    month's compliance report), then one with nothing due anywhere."""
    from celery.utils.imports import symbol_by_name

    from config.celery import app

    app.loader.import_default_modules()
    broker = redis.Redis.from_url(app.conf.broker_url)
    queues = worker_queues(app)
    log = folder / "worker.log"
    progress(f"starting a worker on {', '.join(queues)}")
    worker = start_worker(app, queues, log)
    result: dict[str, Any] = {"queues": queues}
    scheduler = None
    try:
        drain(broker, queues, timeout=600)  # anything provisioning sent, before the round
        result["rss_before"] = rss_mb(worker)
        scheduler = symbol_by_name(app.conf.beat_scheduler)(
            app=app, schedule_filename=str(folder / "beat-schedule")
        )
        beat = Round(app, scheduler, broker, queues)
        result["entries"], result["fanned"] = len(beat.entries), len(beat.fanned)
        result["schedule"] = [(e.name, e.task, runs_per_hour(e)) for e in beat.fanned]
        result["scheduled"] = scheduler.get_queryset().exclude(schema_name="public").count()
        progress(f"beat round 1: {len(beat.entries)} periodic tasks, {len(beat.fanned)} fanned")
        result["first"] = beat.run(clients, log)
        progress("beat round 2, nothing due")
        result["steady"] = beat.run(clients, log)
        result["rss_after"] = rss_mb(worker)
        progress("a tenant with nothing due: each fanned-out task run here, queries counted")
        result["nothing_due"] = nothing_due(app, beat.fanned, clients[0])
        result["platform_check"] = platform_check()
        drain(broker, queues, timeout=600)
    finally:
        stop_worker(worker)
        if scheduler is not None:
            scheduler.close()
    return result


def nothing_due(app: Any, fanned: list[Any], client: Any) -> dict[str, Any]:
    """Each fanned-out task run once in one new tenant (nothing due), in this process: its
    queries and seconds, and the tasks that fail there."""
    from apps.tenancy.context import tenant_context

    queries: dict[str, int] = {}
    seconds: dict[str, float] = {}
    failed: dict[str, str] = {}
    search_path = 0
    logging.getLogger("celery.app.trace").setLevel(logging.CRITICAL)  # failures are listed
    with tenant_context(client):
        for entry in fanned:
            name = entry.task.rsplit(".", 1)[-1]
            reset_queries()  # the log keeps 9,000 queries: counts are taken from empty
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                outcome = app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs)
            seconds[name] = time.perf_counter() - started
            if outcome.failed():
                failed[name] = repr(outcome.result)[:120]
            sets = sum(q["sql"].startswith(("SET search_path", "SHOW ")) for q in captured)
            queries[name] = len(captured) - sets
            search_path += sets
    return {"queries": queries, "seconds": seconds, "failed": failed, "search_path": search_path}


def platform_check() -> dict[str, Any]:
    """Beat's own duty each minute (apps.alerts.scheduler): the platform rules in every tenant."""
    from apps.alerts.scheduler import platform_alerts_evaluate

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        evaluated = platform_alerts_evaluate()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "evaluated": evaluated, "queries": len(captured)}


# --------------------------------------------------------------------------- report
def mb(value: float) -> str:
    return f"{value / 2**20:,.1f} MB"


def at_1000(seconds: float, count: int) -> str:
    if count == 1000:
        return ""
    return f"; linear estimate for 1,000: {seconds * 1000 / count / 60:.1f} min"


def per_tenant(beat: dict[str, Any], one: dict[str, Any], hourly: bool) -> dict[str, float]:
    """A scheduled tenant's share of a round (or of an hour of rounds): tasks sent, worker
    seconds, beat seconds; by fanned-out entry."""
    tenants = max(1, beat["scheduled"])
    share: dict[str, float] = Counter()
    for name, task, per_hour in beat["schedule"]:
        sent, in_beat = one["per_entry"].get(name, (0, 0.0))
        times = per_hour if hourly else 1.0
        share["tasks"] += times * sent / tenants
        share["worker"] += times * sent * one["mean"].get(task, 0.0) / tenants
        share["beat"] += times * in_beat / tenants
        share[f"worker:{task.rsplit('.', 1)[-1]}"] += times * sent * one["mean"].get(task, 0.0)
    return share


def report_beat(n: int, beat: dict[str, Any]) -> None:
    print(
        f"beat: {beat['entries']} periodic tasks, {beat['fanned']} of them for every client "
        f"tenant ({beat['scheduled']} scheduled); one worker, 2 processes, on "
        f"{', '.join(beat['queues'])}"
    )
    for label, one in (("first round after provisioning", beat["first"]),
                       ("round with nothing due", beat["steady"])):  # fmt: skip
        print(
            f"  {label}: beat sent {one['sent']:,} tasks in {one['fan_out']:.1f} s "
            f"({one['sent_to_mine'] / n:.1f} per bench tenant, {one['sent_public']} to public); "
            f"queues drained in {one['drained']:.1f} s, {one['done']:,} tasks run, "
            f"{one['done'] / one['drained']:.1f} tasks/s, {one['failed']} failed"
            f"{at_1000(one['drained'], n)}"
        )
        slowest = sorted(one["mean"], key=lambda task: -one["mean"][task])[:4]
        print(
            "    slowest in the worker: "
            + ", ".join(f"{t.rsplit('.', 1)[-1]} {one['mean'][t] * 1000:.0f} ms" for t in slowest)
        )
    steady = beat["steady"]
    everyone = [name.split("@")[0] for name, _t, _h in beat["schedule"]
                if steady["per_entry"][name][0] >= beat["scheduled"]]  # fmt: skip
    print(f"    still sent to every tenant: {', '.join(everyone) or 'none'}")
    one_round = per_tenant(beat, steady, hourly=False)
    due = beat["nothing_due"]
    print(
        f"  a tenant with nothing due, one round: {one_round['tasks']:.1f} tasks, "
        f"{one_round['worker'] * 1000:.0f} ms of worker time, {one_round['beat'] * 1000:.1f} ms "
        "of beat's time   aim: close to nothing (a cheap no-op)"
    )
    heaviest = sorted(due["queries"], key=lambda name: -due["queries"][name])[:5]
    print(
        f"    each periodic task run in it anyway: {sum(due['queries'].values())} queries, "
        f"{sum(due['seconds'].values()) * 1000:.0f} ms; most queries: "
        + ", ".join(f"{name} {due['queries'][name]}" for name in heaviest)
    )
    for name, error in due["failed"].items():
        print(f"    fails in a tenant with nothing to do: {name}: {error}")
    hour = per_tenant(beat, steady, hourly=True)
    costliest = sorted((k for k in hour if k.startswith("worker:")), key=lambda k: -hour[k])[:4]
    scheduled = max(1, beat["scheduled"])
    print(
        f"  periodic work with nothing due, per tenant and hour: {hour['tasks']:.2f} tasks, "
        f"{hour['worker']:.2f} s of worker time ("
        + ", ".join(f"{k[7:]} {hour[k] / scheduled:.2f} s" for k in costliest)
        + f"), {hour['beat']:.2f} s of beat's time"
    )

    def tenants(seconds_an_hour: float, processes: int = 1) -> str:
        carried = processes * 3600 / seconds_an_hour if seconds_an_hour else float("inf")
        return f"{carried:,.0f}" if carried < 100_000 else "over 100,000"

    print(
        "  ceiling on this machine for idle tenants' periodic work: the worker's 2 processes "
        f"carry {tenants(hour['worker'], 2)} tenants, one beat {tenants(hour['beat'])}"
    )
    public = ", ".join(f"{k} {v:.2f} s" for k, v in steady["public_seconds"].items())
    print(f"  public-schema tasks (those that walk every tenant themselves): {public}")


def report(
    n: int,
    prov: list[float],
    clones: list[float],
    before: dict[str, int],
    after: dict[str, int],
    migr: dict[str, Any],
    beat: dict[str, Any],
    dropped: tuple[int, float],
) -> None:
    load = os.getloadavg()[0]
    print(f"\ntenants at scale: {n} client tenants, {os.cpu_count()} cores, load {load:.1f}")
    p50, p95 = statistics.median(prov) * 1000, percentile(prov, 0.95) * 1000
    print(
        f"provision by clone (tenant_provision): p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"total {sum(prov):.1f} s"
    )
    print(
        f"  of which the schema's clone: p50 {statistics.median(clones) * 1000:.0f} ms, "
        f"p95 {percentile(clones, 0.95) * 1000:.0f} ms"
    )
    aim("tenants: provisioning's clone, median", statistics.median(clones) * 1000, 300, unit=" ms")
    per = (after["pg_class"] - before["pg_class"]) / n
    print(
        f"catalog: pg_class {before['pg_class']:,} -> {after['pg_class']:,} rows "
        f"(+{per:,.0f} per tenant), pg_attribute {after['pg_attribute']:,}; "
        f"catalog tables {mb(before['catalog'])} -> {mb(after['catalog'])}; "
        f"database {mb(before['database'])} -> {mb(after['database'])} "
        f"(+{mb((after['database'] - before['database']) / n)} per tenant)"
    )
    seq, par, schemas = migr["sequential"], migr["parallel"], migr["schemas"]
    print(f"migrate_schemas, one new migration in each of {schemas} schemas:")
    print(f"  sequential (standard executor): {seq:.1f} s ({seq / schemas:.2f} s per schema)")
    print(f"  parallel ({PROCESSES} processes): {par:.1f} s, {seq / par:.2f}x faster")
    aim(
        "tenants: migrate parallel, 1,000 schemas (linear)",
        par * 1000 / schemas / 60,
        10,
        unit=" min",
    )
    skip = migr["noop_skipping"]
    print(f"migrate_schemas with nothing pending ({schemas} schemas):")
    print(
        f"  opening only schemas behind: {skip:.1f} s (opened {migr['noop_opened']}; "
        "the command's start-up included)"
    )
    aim("tenants: migrate_schemas with nothing pending", skip, 30, unit=" s")
    every = migr["noop_every_parallel"]
    print(f"  opening every schema, parallel (--every-schema): {every:.1f} s, {every / skip:.1f}x")
    if "noop_every_sequential" in migr:
        every = migr["noop_every_sequential"]
        print(f"  opening every schema, sequential: {every:.1f} s, {every / skip:.1f}x")
    report_beat(n, beat)
    check = beat["platform_check"]
    print(
        f"  beat's own platform check (every 60 s, in beat): {check['seconds']:.1f} s over "
        f"{check['evaluated']} tenants, {check['queries']} queries"
    )
    per_1000 = check["seconds"] * 1000 / max(1, check["evaluated"])
    aim("tenants: beat's minute platform check, 1,000 tenants (linear)", per_1000, 30, unit=" s")
    main, children = beat["rss_after"]
    before_main, before_children = beat["rss_before"]
    print(
        f"worker memory after touching every tenant: main {main:.0f} MB, pool "
        f"{', '.join(f'{c:.0f}' for c in children)} MB "
        f"(before the rounds: main {before_main:.0f}, pool "
        f"{', '.join(f'{c:.0f}' for c in before_children)} MB)"
    )
    print(f"cleanup: {dropped[0]} schemas dropped in {dropped[1]:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument(
        "--sequential-noop",
        action="store_true",
        help="also time the no-op run that opens every schema one by one (as slow as a migration)",
    )
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, _stop)
    run = uuid.uuid4().hex[:4]
    folder = Path(tempfile.mkdtemp(prefix="spendgate-bench-tenants-"))
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    dropped = (0, 0.0)
    try:
        if leftovers := drop_bench_tenants():
            progress(f"dropped {leftovers} schemas a killed run left")
        scratch_remove()
        broker.flushdb()
        before = catalog()
        clients, prov, clones = provision(options.tenants, run)
        after = catalog()
        migr = migrations_bench(folder, clients, options.sequential_noop)
        beat = beat_rounds(folder, clients)
    finally:
        progress("cleaning up")
        started = time.perf_counter()
        dropped = (drop_bench_tenants(), time.perf_counter() - started)
        scratch_remove()
        broker.flushdb()
        shutil.rmtree(folder, ignore_errors=True)
    try:
        report(options.tenants, prov, clones, before, after, migr, beat, dropped)
    except Exception:
        raw = {
            "provision": prov,
            "clones": clones,
            "before": before,
            "after": after,
            "migrate": migr,
            "beat": beat,
        }
        print(json.dumps(raw, default=str), file=sys.stderr)  # the figures, whatever failed
        raise


if __name__ == "__main__":
    main()
