"""Beat's due probes over many tenants with nothing due (docs/scale.md, "Periodic work scales
with activity").

Makes `--tenants` bare schemas holding only the tables the probes read (empty, with their
indexes, copied from the tenant template), then times one beat round of every probe over all
of them: the statements beat runs before it sends a task. Against two references: the floor,
one trivial query per tenant in its own schema (the least a sent task costs), and the task
itself run in one real tenant with nothing due (what beat made every tenant pay each round
before, without the message and the worker's turn). Prints, per probed task, its probe's cost
per tenant and both ratios; drops the schemas and the tenant again.

    python bench/sweeps.py [--tenants 200]    # 1,000 bare schemas take minutes to make
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from apps.tenancy.context import tenant_context  # noqa: E402
from apps.tenancy.due import DUE_PROBES, schemas_with_work_due  # noqa: E402
from apps.tenancy.models import Client  # noqa: E402
from config.celery import app  # noqa: E402

PREFIX = "bench_due_"
TENANT = "bench_due_tenant"


def make_schemas(count: int) -> list[str]:
    template = settings.TENANT_BASE_SCHEMA  # the migrated template new tenants are cloned from
    tables = sorted({table for probe in DUE_PROBES.values() for table in probe.tables.values()})
    schemas = [f"{PREFIX}{i:05d}" for i in range(count)]
    for schema in schemas:  # a transaction each: thousands of tables in one would exhaust locks
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
            for table in tables:
                cursor.execute(
                    f'CREATE TABLE "{schema}"."{table}" '
                    f'(LIKE "{template}"."{table}" INCLUDING DEFAULTS INCLUDING INDEXES)'
                )
    return schemas


def drop_schemas(schemas: list[str]) -> None:
    for schema in schemas:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def floor_round(schemas: list[str]) -> float:
    """One trivial query per tenant, in its schema (what each sent task began with)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'SET search_path TO "{schema}", public')
            cursor.execute("SELECT 1")
        cursor.execute("SET search_path TO public")
    return time.perf_counter() - started


def task_runs(runs: int) -> dict[str, float | None]:
    """Each probed task run in a fresh tenant (cloned: nothing due), median seconds; None
    where the task cannot run in a tenant without a published policy."""
    Client.objects.filter(slug=TENANT).delete()
    tenant = Client(schema_name=TENANT, slug=TENANT, name=TENANT, portal_name=TENANT)
    tenant.save(verbosity=0)
    seconds: dict[str, float | None] = {}
    app.loader.import_default_modules()  # the apps' tasks modules (a worker imports them)
    try:
        with tenant_context(tenant):
            for task in sorted(DUE_PROBES):
                times = []
                try:
                    for _run in range(runs):
                        started = time.perf_counter()
                        app.tasks[task]()
                        times.append(time.perf_counter() - started)
                except Exception as exc:  # reported as not measured
                    print(f"{task}: {exc!r}"[:300])
                    seconds[task] = None
                    continue
                seconds[task] = statistics.median(times)
    finally:
        Client.objects.filter(slug=TENANT).delete()
        drop_schemas([TENANT])
    return seconds


def probe_round(task: str, schemas: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    due = schemas_with_work_due(task, schemas)
    return time.perf_counter() - started, len(due)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    connection.ensure_connection()
    drop_schemas([f"{PREFIX}{i:05d}" for i in range(args.tenants)])  # a previous run's
    made = time.perf_counter()
    schemas = make_schemas(args.tenants)
    print(f"{args.tenants} bare tenant schemas made in {time.perf_counter() - made:.1f} s")
    try:
        floor = statistics.median(floor_round(schemas) for _run in range(args.runs))
        tasks = task_runs(args.runs)
        print(f"floor: one query per tenant {floor / args.tenants * 1e6:8.0f} µs a tenant")
        print(
            f"{'task':36s} {'probe/tenant':>12s} {'x floor':>8s} {'task':>9s} {'probe/task':>10s}"
        )
        total = 0.0
        for task in sorted(DUE_PROBES):
            rounds = [probe_round(task, schemas) for _run in range(args.runs)]
            seconds = statistics.median(r[0] for r in rounds)
            total += seconds
            per_tenant = seconds / args.tenants
            ran = tasks[task]
            print(
                f"{task.rsplit('.', 1)[1]:36s} {per_tenant * 1e6:9.0f} µs {seconds / floor:8.2f} "
                + (
                    f"{ran * 1e6:6.0f} µs {per_tenant / ran:10.2f}"
                    if ran
                    else f"{'-':>9s} {'-':>10s}"
                )
                + ("  (a bare tenant owes last month's report)" if rounds[0][1] else "")
            )
        print(f"every probe once: {total * 1000:.0f} ms for {args.tenants} tenants")
    finally:
        drop_schemas(schemas)


if __name__ == "__main__":
    main()
