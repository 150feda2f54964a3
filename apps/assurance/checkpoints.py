"""Checkpoints of the audit chain, and verifying a few events through them.

A checkpoint is what a valid check of the whole chain, or of the chain from the checkpoint
before, leaves behind: the last event it verified (by its place in chain order) and that
event's hash. Every event up to it is then committed to by that one hash, so a later check
starts there (the nightly one), and an evidence pack proves its own events by recomputing
each range from them to a checkpoint: a changed event would have to be rehashed with every
event after it up to the checkpoint, whose hash then no longer matches. Changes before the
last checkpoint that no pack reads are the whole-chain check's to find (weekly, on demand).

A check that found the chain broken makes every checkpoint recorded before it untrusted (the
trail is append-only, so the break stays): the checks after it are whole ones, and each
reports the break again."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from apps.audit.selectors import ChainVerification, audit_chain_verify

from .models import ChainCheck

CHECKPOINT_SCOPES = (ChainCheck.Scope.FULL, ChainCheck.Scope.INCREMENTAL)


def trusted_checkpoints() -> QuerySet[ChainCheck]:
    """Valid whole and incremental checks that began after the last check that found a break."""
    found = ChainCheck.objects.filter(
        valid=True, scope__in=CHECKPOINT_SCOPES, last_event__isnull=False
    )
    broken_at = (
        ChainCheck.objects.filter(valid=False)
        .order_by("-checked_at")
        .values_list("checked_at", flat=True)
        .first()
    )
    return found if broken_at is None else found.filter(checked_at__gt=broken_at)


def pin_of(checkpoint: ChainCheck) -> dict[int, str]:
    """The checkpoint's event and the hash it must still have."""
    assert checkpoint.last_event is not None
    return {checkpoint.last_event: checkpoint.last_hash}


def last_checkpoint() -> ChainCheck | None:
    """Where the next incremental check starts; None: the next check is a whole one."""
    return trusted_checkpoints().order_by("-last_event", "-checked_at").first()


@dataclass(frozen=True)
class LinkedRange:
    """Events recomputed in chain order, reaching `checkpoint`: the range ends at the
    checkpoint's event, or (for events after the last checkpoint) starts from it."""

    checkpoint: ChainCheck
    result: ChainVerification

    @property
    def first(self) -> int | None:
        return self.result.first

    @property
    def last(self) -> int | None:
        return self.result.last


@dataclass(frozen=True)
class EventsVerification:
    """What verifying some events found. `scope` is `pack` when they were verified through
    checkpoints (`ranges`), `full` when no checkpoint was trusted and the whole chain was."""

    scope: str
    valid: bool
    count: int  # events read
    first_bad: int | None
    first: int | None  # the first and last events read
    last: int | None
    last_hash: str = ""  # of a whole chain verified
    ranges: list[LinkedRange] = field(default_factory=list)


def events_verify(events: Iterable[int]) -> EventsVerification:
    """Verify these events (by place in chain order) with their links to checkpoints, so the
    work grows with the events asked about and the activity around them, not with the chain.
    With no trusted checkpoint, the whole chain is verified instead."""
    wanted = sorted(set(events))
    trusted = trusted_checkpoints()
    latest = trusted.order_by("-last_event", "-checked_at").first()
    if latest is None:
        whole = audit_chain_verify()
        return EventsVerification(
            ChainCheck.Scope.FULL,
            whole.valid,
            whole.count,
            whole.first_bad,
            whole.first,
            whole.last,
            whole.last_hash,
        )
    ranges = [
        LinkedRange(
            checkpoint,
            audit_chain_verify(start=start, through=end, pins=pin_of(checkpoint)),
        )
        for start, end, checkpoint in _ranges(wanted, _checkpoints_from(trusted, wanted), latest)
    ]
    bad = [r.result.first_bad for r in ranges if r.result.first_bad is not None]
    read = [r.result for r in ranges if r.result.count]
    return EventsVerification(
        ChainCheck.Scope.PACK,
        valid=not bad,
        count=sum(r.count for r in read),
        first_bad=min(bad, default=None),
        first=min((r.first for r in read if r.first is not None), default=None),
        last=max((r.last for r in read if r.last is not None), default=None),
        ranges=ranges,
    )


def _checkpoints_from(trusted: QuerySet[ChainCheck], wanted: list[int]) -> list[ChainCheck]:
    """The trusted checkpoints at or after the first wanted event, one per event (the latest
    check that reached it), in chain order."""
    if not wanted:
        return []
    by_event: dict[int, ChainCheck] = {}
    for check in trusted.filter(last_event__gte=wanted[0]).order_by("last_event", "checked_at"):
        if check.last_event is not None:
            by_event[check.last_event] = check
    return list(by_event.values())


def _ranges(
    wanted: list[int], checkpoints: list[ChainCheck], latest: ChainCheck
) -> list[tuple[int, int, ChainCheck]]:
    """(first, last, checkpoint) to verify: from each wanted event not yet covered to the next
    checkpoint; the wanted events after the last checkpoint, from it on."""
    ranges: list[tuple[int, int, ChainCheck]] = []
    at = 0
    for checkpoint in checkpoints:
        if at == len(wanted):
            break
        end = checkpoint.last_event
        assert end is not None
        if wanted[at] <= end:
            ranges.append((wanted[at], end, checkpoint))
            at = bisect_right(wanted, end)
    if at < len(wanted):
        start = latest.last_event
        assert start is not None
        if ranges and ranges[-1][1] == start:  # the range before ends where this one starts
            start = ranges.pop()[0]
        ranges.append((start, wanted[-1], latest))
    return ranges
