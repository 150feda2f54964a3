"""Reading the audit trail and verifying its chain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from .chain import GENESIS_HASH, HASHED_FIELDS, stored_hash
from .models import AuditEvent, SubjectKey
from .personal import seal_broken


def audit_events(*, subject_type: str | None = None, subject_id: str | None = None) -> QuerySet:
    events = AuditEvent.objects.all()
    if subject_type:
        events = events.filter(subject_type=subject_type)
    if subject_id:
        events = events.filter(subject_id=subject_id)
    return events.order_by("-id")


def audit_search(
    *,
    subject_type: str = "",
    subject_id: str = "",
    actor: str = "",
    action: str = "",
    policy_version: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet:
    """The trail filtered as an auditor asks (newest first): action matches a prefix
    (`invoice.` finds every invoice action), actor a part of the name."""
    events = audit_events(subject_type=subject_type or None, subject_id=subject_id or None)
    if actor:
        events = events.filter(actor__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    if policy_version:
        events = events.filter(policy_version=policy_version)
    if since:
        events = events.filter(at__gte=period_bounds(since, since)[0])
    if until:
        events = events.filter(at__lte=period_bounds(until, until)[1])
    return events


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the first instant of `start` to the last of `end`, in the tenant's time zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end, time.max, tzinfo=tz),
    )


@dataclass(frozen=True)
class ChainVerification:
    valid: bool
    count: int
    first_bad: int | None
    # the first and last events read, by their place in chain order (today their id), and the
    # last one's hash: after a valid check, where the next check may start (a checkpoint)
    first: int | None = None
    last: int | None = None
    last_hash: str = ""
    # events committed but not linked yet (apps.audit.services.audit_chain_link), which the
    # check could not read, and when the oldest of them was written
    pending: int = 0
    oldest_pending: datetime | None = None


def audit_chain_verify(
    *,
    start: int | None = None,
    through: int | None = None,
    pins: Mapping[int, str] | None = None,
) -> ChainVerification:
    """Recompute every hash in chain order; name the first event whose link or content is wrong.

    The whole chain by default, from the genesis hash. Or the events from `start` to `through`
    (an open end runs to the last event): the first is recomputed from the link it names.
    `pins` are checkpoints (event → the hash a check recorded for it): each pinned event must
    be read and still hash to exactly that, so a range that reaches a pin holds the events the
    chain held when the pin was recorded (changing one means rehashing every later one up to
    the pin, which then no longer matches).

    A sealed personal value (apps.audit.personal) is checked against its HMAC while its
    person's key exists; an erased person's values are covered by the seal alone.

    Only linked events are read: those the chainer has not linked yet are counted as
    `pending` (an event whose link was removed breaks the chain at the next one read)."""
    events = AuditEvent.objects.filter(hash__isnull=False).order_by("id")
    if start is not None:
        events = events.filter(id__gte=start)
    if through is not None:
        events = events.filter(id__lte=through)
    walk = _Walk(None if start is not None else GENESIS_HASH, pins or {})
    for row in events.values().iterator(chunk_size=2000):
        walk.read(row)
    result = walk.result()
    waiting = AuditEvent.objects.filter(hash__isnull=True).aggregate(n=Count("id"), at=Min("at"))
    return replace(result, pending=waiting["n"], oldest_pending=waiting["at"])


class _Walk:
    """One pass over the events in chain order, remembering the first that does not hold."""

    def __init__(self, prev_hash: str | None, pins: Mapping[int, str]) -> None:
        self.prev_hash = prev_hash
        self.pins = dict(pins)
        self.waiting = sorted(pins)  # pinned events not read yet, in chain order
        self.keys: dict[str, bytes | None] | None = None
        self.count = 0
        self.first: int | None = None
        self.first_bad: int | None = None
        self.last_hash = ""
        self.last: int | None = None

    def read(self, row: Mapping[str, Any]) -> None:
        event = row["id"]
        if self.prev_hash is None:  # a range's first event: its link is taken as it reads
            self.prev_hash = row["prev_hash"]
        broken = row["prev_hash"] != self.prev_hash
        # a pinned event that is not there any more breaks the chain at the next one read
        while self.waiting and self.waiting[0] < event:
            self.waiting.pop(0)
            broken = True
        if self.waiting and self.waiting[0] == event:
            self.waiting.pop(0)
            broken = broken or row["hash"] != self.pins[event]
        personal = row["personal"]
        if personal:
            fields: dict[str, Any] = {name: row[name] for name in HASHED_FIELDS}
            if self.keys is None:
                self.keys = {
                    ref: (None if key is None else bytes(key))
                    for ref, key in SubjectKey.objects.values_list("ref", "key")
                }
            broken = broken or any(seal_broken(seal, fields, self.keys) for seal in personal)
        broken = broken or row["hash"] != stored_hash(self.prev_hash, row)
        if broken and self.first_bad is None:
            self.first_bad = event
        self.count += 1
        self.first = event if self.first is None else self.first
        self.last, self.last_hash = event, row["hash"]
        self.prev_hash = row["hash"]

    def result(self) -> ChainVerification:
        if self.waiting and self.first_bad is None:  # pinned events past the last one read
            self.first_bad = self.waiting[0]
        return ChainVerification(
            valid=self.first_bad is None,
            count=self.count,
            first_bad=self.first_bad,
            first=self.first,
            last=self.last,
            last_hash=self.last_hash,
        )
