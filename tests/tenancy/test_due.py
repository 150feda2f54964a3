"""Periodic work scales with activity (apps/tenancy/due.py, docs/scale.md): beat asks every
tenant at once whether a task has work due and sends it only where it has. Counted on the real
broker: a tenant with nothing due is sent nothing; one statement answers for many tenants;
a probe that cannot answer sends to everyone, as before; a task without a probe goes to every
tenant; every probe is sound SQL in every tenant and gates a task beat fans out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.invoices.tasks import sweep_exception_slas
from apps.tenancy.due import (
    DUE_PROBES,
    DueProbe,
    chunk_size,
    probe_statement,
    schemas_with_work_due,
)
from tests import world
from tests.beat import beat_round

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SWEEP = "apps.invoices.tasks.sweep_exception_slas"


def _no_params(_now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def test_a_tenant_with_nothing_due_is_sent_no_sweep(
    aporg: Any, tenant_b: Any, in_tenant: Any, receive: Any, tmp_path: Path
) -> None:
    """Two tenants; an exception of one goes overdue: only that one gets the SLA sweep, the
    sweep escalates it, and the next round sends it to neither."""
    mine, other = aporg.tenant.schema_name, tenant_b.schema_name
    with in_tenant(aporg.tenant):
        exception = world.price_exception(aporg, receive, "SWEEP-1")  # open, due later
    sent = beat_round("sweep-exception-slas", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(aporg.tenant):
        world.due_past(exception)
    sent = beat_round("sweep-exception-slas", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(aporg.tenant):
        assert sweep_exception_slas() == {"escalated": 1}  # the work it was sent for

    sent = beat_round("sweep-exception-slas", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)


def test_one_statement_answers_for_many_tenants(
    aporg: Any, tenant_b: Any, in_tenant: Any, receive: Any, settings: Any
) -> None:
    """The probe is one statement per chunk of tenants, not a query per tenant; each answer
    lands on its own tenant."""
    mine, other = aporg.tenant.schema_name, tenant_b.schema_name
    with in_tenant(aporg.tenant):
        world.due_past(world.price_exception(aporg, receive, "SWEEP-2"))
    many = [mine, other] * 150  # 300 tenants' worth of probes

    def statements() -> int:
        with CaptureQueriesContext(connection) as run:
            assert schemas_with_work_due(SWEEP, many) == [mine] * 150
        return len([q for q in run.captured_queries if q["sql"].startswith("SELECT 0 WHERE")])

    settings.DUE_PROBE_LOCKS = 1_000_000
    assert statements() == 2  # 200 tenants a statement at most
    settings.DUE_PROBE_LOCKS = 1  # a budget below one tenant's locks: a tenant a statement
    assert chunk_size(DUE_PROBES[SWEEP], mine) == 1
    assert statements() == 300


def test_a_statement_holds_no_more_locks_than_allowed(tenant_b: Any) -> None:
    """Locks are held to the statement's end in a table all sessions share: the widest probe
    (the alerts', a dozen tables and their indexes) asks few enough tenants at a time."""
    probe = DUE_PROBES["apps.alerts.tasks.evaluate_alerts"]
    schema = tenant_b.schema_name
    held = "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'"
    with connection.cursor() as cursor:
        cursor.execute(held)
        before = cursor.fetchone()[0]
        cursor.execute(probe_statement(probe, [schema]), probe.params(timezone.now(), {}))
        cursor.execute(held)
        per_tenant = cursor.fetchone()[0] - before
    size = chunk_size(probe, schema)
    assert per_tenant > 20 and size < 200
    assert size * per_tenant <= settings.DUE_PROBE_LOCKS


def test_a_task_without_a_probe_goes_to_every_tenant(
    tenant_a: Any, tenant_b: Any, tmp_path: Path
) -> None:
    assert "apps.assurance.tasks.verify_audit_chains" not in DUE_PROBES
    sent = beat_round("verify-audit-chains", tmp_path)
    assert (sent[tenant_a.schema_name], sent[tenant_b.schema_name]) == (1, 1)


def test_a_probe_that_cannot_answer_sends_to_every_tenant(
    tenant_a: Any, tenant_b: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tenant not migrated yet (a table missing), a timeout: the chunk gets the task as it
    did before probes, and the connection goes on working."""
    broken = DueProbe(
        sql="SELECT 1 FROM {missing}", tables={"missing": "no_such_table"}, params=_no_params
    )
    monkeypatch.setitem(DUE_PROBES, "tests.probe.broken", broken)
    schemas = [tenant_a.schema_name, tenant_b.schema_name]
    assert schemas_with_work_due("tests.probe.broken", schemas) == schemas
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_schema_and_table_names_are_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A schema name is an identifier inside the statement, never text run as SQL."""
    odd = 'Odd"Name; DROP'
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "Odd""Name; DROP"')
        cursor.execute('CREATE TABLE "Odd""Name; DROP"."Work Due" (due boolean)')
    probe = DueProbe(
        sql="SELECT 1 FROM {work} WHERE due", tables={"work": "Work Due"}, params=_no_params
    )
    monkeypatch.setitem(DUE_PROBES, "tests.probe.odd", probe)
    assert schemas_with_work_due("tests.probe.odd", [odd]) == []
    with connection.cursor() as cursor:
        cursor.execute('INSERT INTO "Odd""Name; DROP"."Work Due" VALUES (true)')
    assert schemas_with_work_due("tests.probe.odd", [odd]) == [odd]


def test_every_probe_runs_in_every_tenant(tenant_a: Any, tenant_b: Any) -> None:
    """Each registered probe is sound SQL against the tenants' tables (a broken one would only
    send to everyone, silently)."""
    schemas = [tenant_a.schema_name, tenant_b.schema_name]
    assert len(DUE_PROBES) >= 10
    for task, probe in DUE_PROBES.items():
        with connection.cursor() as cursor:
            cursor.execute(probe_statement(probe, schemas), probe.params(timezone.now(), {}))
            assert {row[0] for row in cursor.fetchall()} <= {0, 1}, task


def _fanned_out() -> dict[str, str]:
    """Beat schedule name of each task beat sends to every client tenant, by task."""
    return {
        entry["task"]: name
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if "tenant_schemas" not in entry
    }


def test_every_probe_gates_a_task_beat_fans_out() -> None:
    assert set(DUE_PROBES) <= set(_fanned_out())


def test_the_tasks_without_a_probe_are_named_in_the_scale_doc() -> None:
    """docs/scale.md lists what still goes to every tenant, and why."""
    text = (ROOT / "docs" / "scale.md").read_text()
    section = re.search(r"## Periodic work scales with activity\n(.*?)(\n## |\Z)", text, re.S)
    assert section is not None
    unprobed = {name for task, name in _fanned_out().items() if task not in DUE_PROBES}
    assert unprobed and all(f"`{name}`" in section.group(1) for name in unprobed)
    probed = {name for task, name in _fanned_out().items() if task in DUE_PROBES}
    assert all(f"`{name}`" in section.group(1) for name in probed)


def test_beat_sends_a_named_schemas_task_as_before(tmp_path: Path) -> None:
    """A task for the public schema (the partner figures' roll-up) is not probed: sent once."""
    assert beat_round("roll-up-client-days", tmp_path) == Counter({"public": 1})
