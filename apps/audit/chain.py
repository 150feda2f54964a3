"""The audit chain's canonical form and hash: what the trail's writer (services) links each
event with and what verifying the chain (selectors) recomputes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .personal import blanked

GENESIS_HASH = "0" * 64
# the event's fields each link hashes besides its time (canonical_json's keyword arguments):
# what verifying the chain reads of a stored row
HASHED_FIELDS = (
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


def canonical_json(
    *,
    at: datetime,
    actor_id: str,
    actor: str,
    on_behalf_of: str,
    action: str,
    subject_type: str,
    subject_id: str,
    request_id: str,
    policy_version: str | None,
    before: Any,
    after: Any,
    data: Any,
) -> str:
    return canonical_at(
        at_text(at),
        actor_id=actor_id,
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        request_id=request_id,
        policy_version=policy_version,
        before=before,
        after=after,
        data=data,
    )


def at_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_at(at: str, **fields: Any) -> str:
    """canonical_json with the time already as text (a batch shares one time)."""
    return _CANONICAL.encode({"at": at, **fields})


def canonical_sealed(at: str, fields: dict[str, Any], personal: list[dict[str, Any]] | None) -> str:
    """Version 2 (apps.audit.personal): the sealed values blanked, their seals hashed instead.
    With no seals, exactly version 1, so events written before sealing verify as they were."""
    if not personal:
        return canonical_at(at, **fields)
    return canonical_at(at, **blanked(fields, personal), personal=personal)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}{canonical}".encode()).hexdigest()


def stored_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The hash of a stored event (its row as read: `at`, HASHED_FIELDS and `personal`)
    linked after `prev_hash`: what the chainer writes and verification recomputes."""
    fields = {name: row[name] for name in HASHED_FIELDS}
    return chain_hash(prev_hash, canonical_sealed(at_text(row["at"]), fields, row["personal"]))


# Made once: json.dumps(cls=...) would build an encoder per call, which batch writers of
# thousands of events (matching) pay for.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
