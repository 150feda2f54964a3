"""The outbox dispatcher runs as a real periodic task: celery beat fans it out to every
client tenant and a real worker runs it in that tenant's schema (real Redis, real PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from apps.events.models import OutboxEvent
from apps.integrations.tasks import dispatch_outbox
from config import queues
from tests.conftest import ROOT, subprocess_env


def _record(tenant: Any, marker: str) -> str:
    from apps.tenancy.context import tenant_context

    with tenant_context(tenant), transaction.atomic():
        return str(
            OutboxEvent.objects.create(
                event_type="test.happened",
                subject_type="test",
                subject_id=marker,
                payload={"marker": marker},
            ).pk
        )


def _dispatched(tenant: Any, event_id: str) -> bool:
    from apps.tenancy.context import tenant_context

    with tenant_context(tenant):
        return OutboxEvent.objects.filter(pk=event_id, dispatched_at__isnull=False).exists()


@pytest.fixture
def worker_and_beat(django_db_setup: None, tmp_path: Any) -> Iterator[None]:
    env = {**subprocess_env(), "OUTBOX_DISPATCH_SECONDS": "1"}
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    procs = [
        subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "-Q",
                ",".join(queues.consumed()),
                "-n",
                f"test-{os.getpid()}@%h",
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
        subprocess.Popen(
            [celery, "-A", "config", "beat", "-l", "warning", "-s", str(tmp_path / "schedule")],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_beat_and_worker_dispatch_each_tenants_outbox_in_its_own_schema(
    django_db_blocker: Any, worker_and_beat: None
) -> None:
    from apps.tenancy.models import Client

    with django_db_blocker.unblock():
        tenant_a, tenant_b = Client.objects.get(slug="tenanta"), Client.objects.get(slug="tenantb")
        event_a, event_b = _record(tenant_a, "in-a"), _record(tenant_b, "in-b")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if _dispatched(tenant_a, event_a) and _dispatched(tenant_b, event_b):
                break
            time.sleep(0.5)
        assert _dispatched(tenant_a, event_a), "tenant a's event was not dispatched"
        assert _dispatched(tenant_b, event_b), "tenant b's event was not dispatched"
        # each event stayed in its own schema
        from apps.tenancy.context import tenant_context

        with tenant_context(tenant_a):
            assert not OutboxEvent.objects.filter(pk=event_b).exists()


@pytest.mark.django_db
def test_dispatch_claims_each_event_once(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a):
        with transaction.atomic():
            for i in range(3):
                OutboxEvent.objects.create(
                    event_type="test.happened", subject_type="test", subject_id=i, payload={}
                )
        assert dispatch_outbox() == 3
        assert dispatch_outbox() == 0
        assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_event_record_needs_the_changes_transaction(tenant_a: Any, in_tenant: Any) -> None:
    from django.db import connection

    from apps.events.services import event_record

    with in_tenant(tenant_a), pytest.raises(RuntimeError):
        connection.in_atomic_block = False
        try:
            event_record(actor=None, action="x.y", subject_type="x", subject_id=1)
        finally:
            connection.in_atomic_block = True
