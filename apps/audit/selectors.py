"""Reading the audit trail and verifying its chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .chain import GENESIS_HASH, at_text, canonical_sealed, chain_hash
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


def audit_chain_verify() -> ChainVerification:
    """Recompute every hash in order; name the first event whose link or content is wrong.

    A sealed personal value (apps.audit.personal) is checked against its HMAC while its
    person's key exists; an erased person's values are covered by the seal alone."""
    prev_hash = GENESIS_HASH
    count = 0
    first_bad: int | None = None
    keys: dict[str, bytes | None] | None = None
    rows = AuditEvent.objects.order_by("id").values().iterator(chunk_size=2000)
    for row in rows:
        count += 1
        personal = row["personal"]
        fields: dict[str, Any] = {name: row[name] for name in _HASHED}  # type: ignore[literal-required]
        broken = row["prev_hash"] != prev_hash
        if personal:
            if keys is None:
                keys = {
                    ref: (None if key is None else bytes(key))
                    for ref, key in SubjectKey.objects.values_list("ref", "key")
                }
            broken = broken or any(seal_broken(seal, fields, keys) for seal in personal)
        canonical = canonical_sealed(at_text(row["at"]), fields, personal)
        broken = broken or row["hash"] != chain_hash(prev_hash, canonical)
        if broken and first_bad is None:
            first_bad = row["id"]
        prev_hash = row["hash"]
    return ChainVerification(valid=first_bad is None, count=count, first_bad=first_bad)


_HASHED = (
    "actor_id",
    "actor",
    "on_behalf_of",
    "action",
    "subject_type",
    "subject_id",
    "request_id",
    "policy_version",
    "before",
    "after",
    "data",
)
