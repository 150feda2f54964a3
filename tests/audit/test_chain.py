"""The audit trail is append-only and its hash chain names the first tampered event."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_link, audit_record
from tests.conftest import count_queries

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    """n events written in one transaction, then linked as after its commit (the test's own
    transaction never commits; audit_chain_link links what it wrote itself)."""
    with transaction.atomic():
        written = [
            audit_record(
                actor="system:test",
                action="thing.done",
                subject_type="thing",
                subject_id=i,
                after={"amount": "12.50", "i": i},
            )
            for i in range(n)
        ]
    assert all(e.hash is None for e in written)  # written unlinked
    assert audit_chain_link() >= n  # with those the test's set-up wrote
    linked = list(AuditEvent.objects.filter(pk__in=[e.pk for e in written]).order_by("id"))
    assert all(e.hash for e in linked)
    return linked


def test_chain_links_each_event_to_the_one_before(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a):
        events = _events(3)
        assert events[1].prev_hash == events[0].hash
        assert events[2].prev_hash == events[1].hash
        result = audit_chain_verify()
        assert result.valid and result.first_bad is None
        assert result.count == AuditEvent.objects.count()


def test_a_batch_continues_the_chain_and_verifies(tenant_a: Any, in_tenant: Any) -> None:
    from apps.audit.services import audit_record_many

    with in_tenant(tenant_a):
        before = _events(2)
        with transaction.atomic():
            written = audit_record_many(
                [
                    {
                        "actor": "system:matching",
                        "action": "invoice.matched",
                        "subject_type": "invoice",
                        "subject_id": f"inv-{i}",
                        "policy_version": "v3",
                        "after": {"status": "approved"},
                        "data": {"raised": [], "variance": "12.50"} if i else {},
                    }
                    for i in range(5)
                ]
            )
        assert written == 5
        assert audit_chain_link() == 5
        batch = list(AuditEvent.objects.filter(action="invoice.matched").order_by("id"))
        assert [e.subject_id for e in batch] == [f"inv-{i}" for i in range(5)]
        assert batch[0].prev_hash == before[-1].hash
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(batch))
        assert batch[0].before is None and batch[1].data == {"raised": [], "variance": "12.50"}
        result = audit_chain_verify()
        assert result.valid and result.count == AuditEvent.objects.count()
        _events(1)  # a single event after the batch links to it
        assert AuditEvent.objects.order_by("-id").first().prev_hash == batch[-1].hash
        assert audit_chain_verify().valid


def _matched(n: int) -> list[dict[str, Any]]:
    return [
        {
            "actor": "system:matching",
            "action": "invoice.matched",
            "subject_type": "invoice",
            "subject_id": f"inv-{i}",
            "after": {"status": "approved"},
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("size", [3, 300])
def test_a_batch_hashed_while_other_statements_run(
    tenant_a: Any, in_tenant: Any, size: int
) -> None:
    """The caller's statements run while a worker thread hashes the batch (or before it, for
    a few events): both land in the one transaction, and the chain verifies."""
    from apps.audit.services import audit_record_many
    from apps.events.models import OutboxEvent

    hashing_alongside: list[bool] = []

    def meanwhile() -> None:
        hashing_alongside.append(
            any(t.name.startswith("audit-format") for t in threading.enumerate())
        )
        OutboxEvent.objects.create(
            event_type="thing.done", subject_type="thing", subject_id="t-1", payload={}
        )

    with in_tenant(tenant_a):
        before = _events(1)
        with transaction.atomic():
            assert audit_record_many(_matched(size), meanwhile=meanwhile) == size
        assert audit_chain_link() == size
        batch = list(AuditEvent.objects.filter(action="invoice.matched").order_by("id"))
        assert hashing_alongside == [size >= 200] and len(batch) == size
        assert batch[0].prev_hash == before[-1].hash
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(batch))
        assert [e.subject_id for e in batch[:3]] == ["inv-0", "inv-1", "inv-2"]
        assert OutboxEvent.objects.filter(subject_id="t-1").exists()
        assert audit_chain_verify().valid


def test_a_failing_meanwhile_leaves_no_events(tenant_a: Any, in_tenant: Any) -> None:
    from apps.audit.services import audit_record_many

    def meanwhile() -> None:
        raise ValueError("the caller's statement failed")

    with in_tenant(tenant_a):
        with pytest.raises(ValueError, match="statement failed"), transaction.atomic():
            audit_record_many(_matched(300), meanwhile=meanwhile)
        assert not AuditEvent.objects.filter(action="invoice.matched").exists()


def test_verify_names_the_tampered_event(
    tenant_a: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    auditor = make_user(tenant_a, "auditor", ["auditor"])
    with in_tenant(tenant_a):
        events = _events(4)
        victim = events[2]
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute(
                "UPDATE audit_auditevent SET after = %s WHERE id = %s",
                ['{"amount": "1.00"}', victim.pk],
            )
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    body = api_for(tenant_a, auditor).get("/api/v1/audit-events/verify/").json()
    assert body["valid"] is False
    assert body["first_bad"] == str(victim.pk)
    with in_tenant(tenant_a):
        assert body["count"] == AuditEvent.objects.count()


def test_deleting_an_event_breaks_the_chain_at_its_successor(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a):
        events = _events(3)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        assert audit_chain_verify().first_bad == events[2].pk


@pytest.mark.parametrize("write", ["update", "delete", "save", "model_delete"])
def test_update_and_delete_are_refused(tenant_a: Any, in_tenant: Any, write: str) -> None:
    with in_tenant(tenant_a):
        event = _events(1)[0]
        with pytest.raises((DatabaseError, RuntimeError)), transaction.atomic():
            if write == "update":
                AuditEvent.objects.filter(pk=event.pk).update(action="forged")
            elif write == "delete":
                AuditEvent.objects.filter(pk=event.pk).delete()
            elif write == "save":
                event.action = "forged"
                event.save()
            else:
                event.delete()
        event.refresh_from_db()
        assert event.action == "thing.done"


@pytest.mark.parametrize("tenant", ["tenant_a", "tenant_b"])
def test_truncate_is_refused(tenant: str, request: Any, in_tenant: Any) -> None:
    client = request.getfixturevalue(tenant)
    with in_tenant(client):
        _events(2)
        before = AuditEvent.objects.count()
        with (
            pytest.raises(DatabaseError, match="append-only: TRUNCATE"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.count() == before


def test_a_rewritten_prev_hash_alone_breaks_the_chain(tenant_a: Any, in_tenant: Any) -> None:
    """Only the link is forged (the content and its own hash stay): still named."""
    with in_tenant(tenant_a):
        events = _events(3)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s WHERE id = %s",
                ["0" * 64, events[1].pk],
            )
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        result = audit_chain_verify()
        assert result.valid is False and result.first_bad == events[1].pk


def test_trigger_refuses_raw_sql_in_a_cloned_tenant(tenant_b: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_b):
        event = _events(1)[0]
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])


def test_audit_record_refuses_to_run_outside_a_transaction(tenant_a: Any) -> None:
    # pytest-django wraps the test in a transaction; leave it to check the guard itself.
    with pytest.raises(RuntimeError):
        connection.in_atomic_block = False
        try:
            audit_record(actor="x", action="y", subject_type="z", subject_id=1)
        finally:
            connection.in_atomic_block = True


def test_audit_api_filters_and_needs_the_auditor_role(
    tenant_a: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    auditor = make_user(tenant_a, "auditor", ["auditor"])
    requester = make_user(tenant_a, "requester", ["requester"])
    with in_tenant(tenant_a):
        _events(2)
    api = api_for(tenant_a, auditor)
    body = api.get("/api/v1/audit-events/?subject_type=thing&subject_id=1").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {"actor", "action", "at", "policy_version", "hash", "prev_hash"} <= row.keys()
    assert row["actor"] == "system:test"
    denied = api_for(tenant_a, requester).get("/api/v1/audit-events/")
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"


def test_audit_list_query_count_does_not_grow(
    tenant_a: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "auditor", ["auditor"]))
    with in_tenant(tenant_a):
        _events(3)
    few = count_queries(lambda: api.get("/api/v1/audit-events/?page_size=200"))
    with in_tenant(tenant_a):
        _events(60)
    many = count_queries(lambda: api.get("/api/v1/audit-events/?page_size=200"))
    assert few == many
