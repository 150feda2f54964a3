"""Writers of one tenant do not queue for the audit chain: each writes its events unlinked,
and the chainer links the committed ones after the commits, in id order. The chain still
verifies, and still names a tampered event."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.alerts.rules import UNLINKED_AFTER, audit_chain_unlinked
from apps.audit import services as audit_services
from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_link, audit_chain_lock, audit_record
from apps.tenancy.context import tenant_context
from tests.audit.writers import WriterInFlight


def _record(label: str) -> AuditEvent:
    return audit_record(
        actor="system:test", action="thing.done", subject_type="thing", subject_id=label
    )


def test_writers_proceed_in_parallel_and_the_chain_verifies(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    tenant = committed_org["tenant"]
    both_inside = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def writer(label: str) -> None:
        try:
            with tenant_context(tenant), transaction.atomic():
                _record(f"{label}-1")
                # both transactions have written and neither has committed: with one lock
                # held to the end of each writer's transaction, the second writer would
                # still wait at its first event and the barrier would break
                both_inside.wait()
                _record(f"{label}-2")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=writer, args=(label,)) for label in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        with tenant_context(tenant):
            # the commit of whichever writer finished last found no writer in flight
            assert not AuditEvent.objects.filter(hash__isnull=True).exists()
            result = audit_chain_verify()
            assert result.valid and result.pending == 0
            assert result.count == AuditEvent.objects.count()
            mine = list(AuditEvent.objects.filter(subject_type="thing").order_by("id"))
            assert sorted(e.subject_id for e in mine) == ["a-1", "a-2", "b-1", "b-2"]
            victim = mine[2]
            with connection.cursor() as cursor:
                cursor.execute(
                    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only"
                )
                cursor.execute(
                    "UPDATE audit_auditevent SET subject_id = 'forged' WHERE id = %s", [victim.pk]
                )
                cursor.execute(
                    "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only"
                )
            assert audit_chain_verify().first_bad == victim.pk


def test_the_writer_still_in_flight_links_on_its_commit(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant):
        with WriterInFlight(tenant, "slow") as slow_writer:
            with transaction.atomic():
                quick = _record("quick")
            # its chainer ran at the commit, found the other writer in flight and left it
            quick.refresh_from_db()
            assert quick.hash is None
            assert audit_chain_verify().pending >= 1
            slow_writer.commit()
        quick.refresh_from_db()
        slow = AuditEvent.objects.get(subject_id="slow")
        # the slow writer's commit linked both, in id order
        assert quick.hash and slow.hash
        first, second = sorted([quick, slow], key=lambda e: e.pk)
        assert second.prev_hash == first.hash
        assert audit_chain_verify().valid


def test_a_chainer_that_must_link_waits_for_the_writers_in_flight(
    committed_org: dict[str, Any], django_db_blocker: Any, monkeypatch: Any
) -> None:
    tenant = committed_org["tenant"]
    monkeypatch.setattr(audit_services, "CHAINER_WAIT", "200ms")
    with django_db_blocker.unblock(), tenant_context(tenant):
        with WriterInFlight(tenant, "holding") as holding:
            with transaction.atomic():
                waiting = _record("waiting")
            assert audit_chain_link(wait=True) is None  # the wait ran out
            assert audit_chain_link() is None  # and without waiting, it does not try
            holding.commit()
        waiting.refresh_from_db()
        assert waiting.hash is not None
        assert audit_chain_link(wait=True) == 0  # nothing left


@pytest.mark.django_db
def test_events_left_unlinked_raise_the_alert_unless_it_can_link_them(
    tenant_a: Any, in_tenant: Any, monkeypatch: Any
) -> None:
    """The test's own transaction writes the event (unlinked: it never commits). While
    another writer holds the chain, the rule cannot link it and raises the alert; then it
    links it and raises nothing."""
    later = timezone.now() + UNLINKED_AFTER + timedelta(minutes=1)
    thresholds = {"audit_chain": True}
    monkeypatch.setattr(audit_services, "CHAINER_WAIT", "200ms")
    with in_tenant(tenant_a):
        with transaction.atomic():
            event = _record("waiting")
        assert audit_chain_unlinked(thresholds, timezone.now()) == []  # not late yet
        with WriterInFlight(tenant_a, "holding"):
            (condition,) = audit_chain_unlinked(thresholds, later)
        assert condition.rule == "audit_chain_unlinked"
        assert "not linked" in condition.detail
        assert audit_chain_unlinked({"audit_chain": False}, later) == []
        event.refresh_from_db()
        assert event.hash is None
        # (the writer in flight committed; the test's transaction links its own events)
        assert audit_chain_unlinked(thresholds, later) == []
        event.refresh_from_db()
        assert event.hash is not None


@pytest.mark.django_db
def test_a_transaction_asks_for_the_chainer_once(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a), transaction.atomic():
        audit_chain_lock()
        callbacks = len(connection.run_on_commit)
        audit_chain_lock()  # a second event of the same schema
        assert len(connection.run_on_commit) == callbacks


def test_a_transaction_that_writes_in_two_tenants_has_both_linked(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    """Each schema a transaction wrote events in is linked after its commit, in that schema,
    whichever schema the transaction commits in."""
    from tests.org import throwaway_tenant

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), throwaway_tenant("conc") as other:
        with transaction.atomic():  # begun in the public schema, where it commits
            with tenant_context(tenant):
                _record("here")
            with tenant_context(other):
                _record("there")
        for client, label in ((tenant, "here"), (other, "there")):
            with tenant_context(client):
                assert AuditEvent.objects.get(subject_id=label).hash
                result = audit_chain_verify()
                assert result.valid and result.pending == 0


@pytest.mark.django_db
def test_a_large_batch_is_linked_a_chunk_at_a_time(
    tenant_a: Any, in_tenant: Any, monkeypatch: Any
) -> None:
    """Each chunk is a transaction of its own, so new writers wait for one chunk at most."""
    from apps.audit.services import audit_record_many

    monkeypatch.setattr(audit_services, "_LINK_CHUNK", 100)
    chunks: list[int | None] = []
    one_chunk = audit_services._link_chunk

    def counted(*, wait: bool) -> int | None:
        chunks.append(one_chunk(wait=wait))
        return chunks[-1]

    monkeypatch.setattr(audit_services, "_link_chunk", counted)
    with in_tenant(tenant_a):
        audit_chain_link()  # what the set-up wrote
        chunks.clear()
        with transaction.atomic():
            audit_record_many(
                [
                    {"actor": "system:test", "action": "thing.done", "subject_type": "thing",
                     "subject_id": i}
                    for i in range(250)
                ]
            )  # fmt: skip
        assert audit_chain_link() == 250
        assert chunks == [100, 100, 50]
        result = audit_chain_verify()
        assert result.valid and result.pending == 0
