"""Checkpoints of the audit chain: the nightly check verifies from the last checkpoint, the
weekly and on-demand checks the whole chain, and an evidence pack its own events with their
links to checkpoints, so neither costs the whole chain. Against the real trail: events are
tampered with behind its back (the append-only trigger switched off for the moment)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from apps.assurance.checkpoints import events_verify, last_checkpoint
from apps.assurance.models import ChainCheck
from apps.assurance.packs import verify_pack_file
from apps.assurance.tasks import verify_audit_chains
from apps.audit.chain import HASHED_FIELDS, at_text, canonical_sealed, chain_hash
from apps.audit.models import AuditEvent
from apps.audit.services import audit_chain_link, audit_record, audit_record_many
from tests.assurance.test_packs import (
    built,
    decided_requisition,
    flat,
    pack_bytes,
    pdf_text,
    tampered,
)
from tests.org import Org

pytestmark = pytest.mark.django_db

WEEKLY = settings.CELERY_BEAT_SCHEDULE["verify-audit-chains-whole"]


def _events(n: int, subject: str = "thing") -> list[AuditEvent]:
    """Written and linked, as after their commit (the test's transaction never commits)."""
    with transaction.atomic():
        written = [
            audit_record(
                actor="system:test",
                action="thing.done",
                subject_type=subject,
                subject_id=i,
                after={"amount": "12.50", "i": i},
            )
            for i in range(n)
        ]
    audit_chain_link()
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in written]).order_by("id"))


def _filler(n: int) -> None:
    """Other activity of the tenant, written as batch jobs write it."""
    with transaction.atomic():
        audit_record_many(
            [
                {
                    "actor": "system:matching",
                    "action": "invoice.matched",
                    "subject_type": "invoice",
                    "subject_id": f"inv-{i}",
                    "after": {"status": "approved"},
                }
                for i in range(n)
            ]
        )
    audit_chain_link()


def _rewrite(event: AuditEvent, **columns: str) -> None:
    assignments = ", ".join(f"{name} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(
            f"UPDATE audit_auditevent SET {assignments} WHERE id = %s",
            [*columns.values(), event.pk],
        )
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def _tamper(event: AuditEvent) -> None:
    _rewrite(event, after=json.dumps({"amount": "1.00", "i": 0}))


def _nightly() -> ChainCheck:
    verify_audit_chains()
    return ChainCheck.objects.order_by("-checked_at", "-pk").first()  # type: ignore[return-value]


def _weekly() -> ChainCheck:
    verify_audit_chains(**WEEKLY["kwargs"])  # what beat sends once a week
    return ChainCheck.objects.order_by("-checked_at", "-pk").first()  # type: ignore[return-value]


def _in_chain(first: int, last: int) -> int:
    return AuditEvent.objects.filter(id__gte=first, id__lte=last).count()


def test_a_tenant_without_a_checkpoint_gets_a_whole_check(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a):
        events = _events(3)
        assert last_checkpoint() is None
        check = _nightly()
        assert (check.valid, check.scope, check.trigger) == (True, "full", "nightly")
        assert check.count == AuditEvent.objects.count()
        assert (check.last_event, check.last_hash) == (events[-1].pk, events[-1].hash)
        assert last_checkpoint() == check


def test_the_nightly_check_reads_from_the_checkpoint_on(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a):
        _filler(300)
        first = _events(1)[0]
        _nightly()
        later = _events(4)
        check = _nightly()
        assert (check.valid, check.scope) == (True, "incremental")
        # the checkpoint's own event and the four after it; none of the 300 before
        assert (check.count, check.first_event) == (5, first.pk)
        assert (check.last_event, check.last_hash) == (later[-1].pk, later[-1].hash)
        quiet = _nightly()  # nothing new: the checkpoint's event alone
        assert (quiet.valid, quiet.count, quiet.last_event) == (True, 1, later[-1].pk)


def test_tampering_before_the_checkpoint_is_caught_by_the_whole_check(
    tenant_a: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    """The nightly check does not read before its checkpoint (that is its saving); the weekly
    check and "verify now" read the whole chain and find the change."""
    auditor = make_user(tenant_a, "auditor", ["auditor"])
    with in_tenant(tenant_a):
        before = _events(3)
        _nightly()
        _events(2)
        _tamper(before[1])
        nightly = _nightly()
        assert (nightly.valid, nightly.scope) == (True, "incremental")
    web = api_for(tenant_a)
    with in_tenant(tenant_a):
        web.force_login(auditor)
    assert web.post("/audit/chain/verify/").status_code == 302
    with in_tenant(tenant_a):
        on_demand = ChainCheck.objects.order_by("-checked_at").first()
        assert on_demand is not None and on_demand.trigger == "on_demand"
        assert (on_demand.valid, on_demand.scope, on_demand.first_bad) == (
            False,
            "full",
            before[1].pk,
        )
        weekly = _weekly()
        assert (weekly.valid, weekly.scope, weekly.trigger) == (False, "full", "weekly")
        assert weekly.first_bad == before[1].pk
        # found once, the break is reported by every check after it: no checkpoint is trusted
        assert last_checkpoint() is None
        again = _nightly()
        assert (again.valid, again.scope, again.first_bad) == (False, "full", before[1].pk)


def test_tampering_after_the_checkpoint_is_caught_by_the_nightly_check(
    tenant_a: Any, in_tenant: Any
) -> None:
    with in_tenant(tenant_a):
        _events(2)
        checkpoint = _nightly()
        after = _events(3)
        _tamper(after[1])
        nightly = _nightly()
        assert (nightly.valid, nightly.scope, nightly.first_bad) == (
            False,
            "incremental",
            after[1].pk,
        )
        assert nightly.first_event == checkpoint.last_event
        assert AuditEvent.objects.filter(action="audit_chain.broken").exists()


def test_the_checkpoint_does_not_advance_on_a_broken_chain(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a):
        _events(2)
        checkpoint = _nightly()
        after = _events(3)
        _tamper(after[0])
        broken = _nightly()
        assert not broken.valid and broken.last_hash == ""
        assert last_checkpoint() is None  # not the broken check's end, nor the one before
        _events(2)
        next_night = _nightly()  # whole, and the break is still there
        assert (next_night.valid, next_night.scope, next_night.first_bad) == (
            False,
            "full",
            after[0].pk,
        )
        assert checkpoint.valid and last_checkpoint() is None


def _rehashed(event: AuditEvent) -> None:
    """The event's content changed and its own hash recomputed to match, as a careful forger
    would: its link and hash are consistent again, only the checkpoint knows the old hash."""
    row = AuditEvent.objects.values().get(pk=event.pk)
    row["after"] = {"amount": "1.00", "i": 0}
    fields = {name: row[name] for name in HASHED_FIELDS}
    digest = chain_hash(row["prev_hash"], canonical_sealed(at_text(row["at"]), fields, None))
    _rewrite(event, after=json.dumps(row["after"]), hash=digest)


@pytest.mark.parametrize("how", ["content", "link", "rehashed"])
def test_tampering_the_checkpointed_event_is_caught_by_the_nightly_check(
    tenant_a: Any, in_tenant: Any, how: str
) -> None:
    with in_tenant(tenant_a):
        events = _events(3)
        checkpoint = _nightly()
        assert checkpoint.last_event == events[-1].pk
        if how == "content":
            _tamper(events[-1])
        elif how == "link":
            _rewrite(events[-1], prev_hash="0" * 64)
        else:
            _rehashed(events[-1])
        _events(1)
        nightly = _nightly()
        assert (nightly.valid, nightly.scope, nightly.first_bad) == (
            False,
            "incremental",
            events[-1].pk,
        )


def test_a_packs_events_are_verified_through_checkpoints_with_bounded_work(
    tenant_a: Any, in_tenant: Any
) -> None:
    """A subject's four events: two before the first checkpoint, one before the second, one
    after it. Only the ranges from them to a checkpoint are read, not the history before
    them nor the activity between; a tampered event among them is named."""
    with in_tenant(tenant_a):
        _filler(400)
        s1 = _events(1, "story")[0]
        _filler(3)
        s2 = _events(1, "story")[0]
        _filler(2)
        first = _nightly()
        _filler(250)
        s3 = _events(1, "story")[0]
        _filler(4)
        second = _nightly()
        _filler(6)
        s4 = _events(1, "story")[0]
        _filler(5)
        assert first.last_event is not None and second.last_event is not None

        found = events_verify([s1.pk, s2.pk, s3.pk, s4.pk])
        assert (found.valid, found.scope) == (True, "pack")
        spans = [(r.first, r.last, r.checkpoint.pk) for r in found.ranges]
        assert spans == [(s1.pk, first.last_event, first.pk), (s3.pk, s4.pk, second.pk)]
        read = _in_chain(s1.pk, first.last_event) + _in_chain(s3.pk, s4.pk)
        assert found.count == read < 30 < AuditEvent.objects.count()

        _filler(500)  # the chain grows after the pack's events: the work does not
        assert events_verify([s1.pk, s2.pk, s3.pk, s4.pk]).count == read

        _tamper(s2)
        tampered = events_verify([s1.pk, s2.pk, s3.pk, s4.pk])
        assert (tampered.valid, tampered.first_bad, tampered.count) == (False, s2.pk, read)


def test_a_pack_after_a_found_break_verifies_the_whole_chain(tenant_a: Any, in_tenant: Any) -> None:
    """No checkpoint is trusted once a check found the chain broken: a pack says so too,
    even about events far from the break."""
    with in_tenant(tenant_a):
        early = _events(2)
        _nightly()
        late = _events(2)
        _tamper(early[0])
        assert not _weekly().valid
        found = events_verify([late[1].pk])
        assert (found.valid, found.scope, found.first_bad) == (False, "full", early[0].pk)


def test_a_pack_reads_its_events_to_the_checkpoint_and_says_so(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    """The real pack of a requisition, built after the nightly check: it reads the range from
    the requisition's first event to the checkpoint (not the history before it nor the
    activity after), names that range and the checkpoint in the PDF, and still finds an
    event of the requisition changed afterwards."""
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    with in_tenant(org.tenant):
        _filler(300)
    draft = decided_requisition(org, api_for, in_tenant)
    with in_tenant(org.tenant):
        checkpoint = _nightly()  # the first is whole, and leaves a checkpoint
        assert checkpoint.last_event is not None
        _filler(300)
    pack = built(org, in_tenant, auditor, draft["id"])
    assert pack.chain_valid is True
    with in_tenant(org.tenant):
        check = ChainCheck.objects.get(trigger="pack")
        first = AuditEvent.objects.filter(subject_id=draft["id"]).order_by("id").first()
        assert check.scope == "pack" and check.first_event is not None and first is not None
        assert check.first_event <= first.pk
        assert check.count == _in_chain(check.first_event, checkpoint.last_event)
        assert check.count < 300 and check.last_hash == ""  # a pack leaves no checkpoint
        data = pack_bytes(org, in_tenant, pack)
        assert verify_pack_file(data).ok
    text = pdf_text(data)
    assert "the pack's events intact and linked to checkpoints" in text
    # the range, the checkpoint's event with its hash, and the check that verified it
    chain_part = flat(text[text.rfind("Chain verification") :])
    assert f"{check.first_event}\N{EN DASH}{checkpoint.last_event}" in chain_part
    assert f"{check.count}{checkpoint.last_event}{checkpoint.last_hash}" in chain_part
    assert "(wholechain)intact" in chain_part

    victim = tampered(org, in_tenant, draft["id"])
    again = built(org, in_tenant, auditor, draft["id"])
    assert again.chain_valid is False and again.chain_first_bad == victim.pk
    assert f"BROKEN at event {victim.pk}" in pdf_text(pack_bytes(org, in_tenant, again))
