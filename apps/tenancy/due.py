"""Periodic work that scales with activity, not with tenants (docs/scale.md).

Beat fans each periodic task out to every client tenant. A task whose work is found in its own
tables may declare a due probe: a small SELECT over those tables whose first row means "this
tenant has something due now" (an exception past its due time, a delivery whose retry is due,
a document inside its renewal window and not yet alerted). Before it sends the task, beat asks
every tenant at once: one statement per chunk of tenants, each schema's probe under EXISTS,
joined by UNION ALL (fewer tenants a statement when the probe reads many tables), and sends
the task only to the tenants that answer. A tenant with nothing due costs the planning and an
index look-up of its probe inside that statement: no message, no worker, no connection.

A probe must never miss work its task would do; it may say yes where the task then finds
nothing (a race, a condition it reads from Python). When the statement fails (a tenant still
migrating, a timeout), the chunk gets the task as before. A task without a probe is sent to
every tenant. The contexts register their probes from `AppConfig.ready()`; this module knows
no domain table."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.controls.registries import KeyedRegistry

log = structlog.get_logger("spendgate.beat")

# tenants per statement, at most: 1,000 tenants are five statements of a few hundred kilobytes
CHUNK = 200
# a probe statement that runs longer than this gives up, and its tenants get the task
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class DueProbe:
    """`sql` is a SELECT whose row means "due". It names its tables as `{key}` (filled with the
    schema-qualified name of `tables[key]`, a db_table) and its values as `%(name)s`, which
    `params(now, task_kwargs)` supplies; literal braces are written `{{` `}}`."""

    sql: str
    tables: Mapping[str, str]
    params: Callable[[datetime, Mapping[str, Any]], dict[str, Any]]


DUE_PROBES = KeyedRegistry[DueProbe](
    "tenancy.due.register_due_probe",
    "a periodic task's due probe: beat sends the task only to tenants with work due",
)


def register_due_probe(task: str, probe: DueProbe) -> None:
    """`task` is the Celery task's name as the beat schedule names it."""
    DUE_PROBES[task] = probe


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def probe_statement(probe: DueProbe, schemas: Sequence[str]) -> str:
    """One SELECT answering the positions (in `schemas`) of the tenants with work due."""
    parts = []
    for position, schema in enumerate(schemas):
        tables = {key: f"{_quoted(schema)}.{_quoted(name)}" for key, name in probe.tables.items()}
        parts.append(f"SELECT {position} WHERE EXISTS ({probe.sql.format(**tables)})")
    return "\nUNION ALL\n".join(parts)


def _relations(probe: DueProbe, schema: str) -> int:
    """The relations one tenant's probe locks while it is planned: its tables and every index
    of theirs (PostgreSQL opens them all)."""
    tables = list(set(probe.tables.values()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = %s AND t.relname = ANY(%s)",
            [schema, tables],
        )
        row = cursor.fetchone()
    return len(tables) + (row[0] if row else 0)


def chunk_size(probe: DueProbe, schema: str) -> int:
    """Tenants per statement: a statement holds a lock on each relation it reads until it
    ends, in a lock table every session shares (`max_locks_per_transaction` x connections), so
    a probe over many tables asks fewer tenants at a time (DUE_PROBE_LOCKS a statement)."""
    return max(1, min(CHUNK, settings.DUE_PROBE_LOCKS // max(1, _relations(probe, schema))))


def schemas_with_work_due(
    task: str,
    schemas: Sequence[str],
    *,
    task_kwargs: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """The schemas of `schemas` to send `task` to: those whose probe finds work due now, in
    their order, or all of them when the task has no probe."""
    probe = DUE_PROBES.get(task)
    if probe is None or not schemas:
        return list(schemas)
    params = probe.params(now or timezone.now(), task_kwargs or {})
    try:
        size = chunk_size(probe, schemas[0])
    except DatabaseError:  # the database is away: send as without a probe
        log.warning("due_probe_failed", task=task, tenants=len(schemas), exc_info=True)
        return list(schemas)
    due: list[str] = []
    for start in range(0, len(schemas), size):
        chunk = list(schemas[start : start + size])
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {int(TIMEOUT_MS)}")
                cursor.execute(probe_statement(probe, chunk), params)
                found = sorted(row[0] for row in cursor.fetchall())
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
        except DatabaseError:
            # never miss work: the chunk gets the task, as it would without a probe
            log.warning("due_probe_failed", task=task, tenants=len(chunk), exc_info=True)
            due.extend(chunk)
            continue
        due.extend(chunk[position] for position in found)
    return due
