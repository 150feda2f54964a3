"""Writing the audit trail. Called by every service that changes state, inside its transaction."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language, override
from psycopg import Copy
from psycopg.copy import FileWriter

from .chain import GENESIS_HASH, at_text, canonical_sealed, chain_hash
from .context import current_request_id
from .jsonb import json_text, normalise, normalised_with_text
from .models import AuditEvent
from .personal import People, forget_people, may_name_someone, people, seals_of

_EMPTY: dict[str, Any] = {}
# One chain per schema: the lock key is taken per transaction, so concurrent writers queue
# and every event links to the one committed before it.
_CHAIN_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':audit_chain'))"


def audit_chain_lock() -> None:
    """Take this tenant's chain lock now rather than at the transaction's first event.

    The lock is held to the end of the transaction. A transaction that locks a row many
    others also lock (a budget, a number sequence) and then records an event must take the
    chain lock first: otherwise it can hold the row while it waits for the chain, as another
    transaction holds the chain while it waits for the row (a deadlock, found under load)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_LOCK_SQL)


def actor_label(actor: Any) -> tuple[str, str]:
    """(id, label) of whoever acted: a user, or a system name such as `system:seed`."""
    if actor is None:
        return "", "system"
    if isinstance(actor, str):
        return "", actor
    return str(actor.pk), str(getattr(actor, "email", "") or actor.get_username())


def audit_record(
    *,
    actor: Any,
    action: str,
    subject_type: str,
    subject_id: object,
    before: Any = None,
    after: Any = None,
    data: Any = None,
    policy_version: str | None = None,
    on_behalf_of: Any = None,
) -> AuditEvent:
    """Append one event to the current schema's chain. Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_LOCK_SQL)
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    prev_hash = last or GENESIS_HASH
    actor_id, actor_name = actor_label(actor)
    behalf_id, behalf = ("", "") if on_behalf_of is None else actor_label(on_behalf_of)
    at = timezone.now()
    fields: dict[str, Any] = {
        "actor_id": actor_id,
        "actor": actor_name,
        "on_behalf_of": behalf,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "request_id": current_request_id(),
        "policy_version": policy_version,
        "before": normalise(before),
        "after": normalise(after),
        "data": normalise(data) or {},
    }
    found = None
    if actor_id or behalf_id:
        found = people()
        if any(f"user:{pk}" not in found.keys for pk in (actor_id, behalf_id) if pk):
            forget_people()  # a person added since the index was read, by no save of theirs
            found = people()
    personal = _seals(found, fields, behalf_id)
    digest = chain_hash(prev_hash, canonical_sealed(at_text(at), fields, personal))
    return AuditEvent.objects.create(
        at=at, prev_hash=prev_hash, hash=digest, personal=personal, **fields
    )


def _seals(found: People | None, fields: dict[str, Any], behalf_id: str) -> Any:
    """The event's seals (apps.audit.personal). An event by a system actor that carries no
    text with a space or an @ in it cannot name anyone: it skips the people index."""
    if found is None:
        if not _may_name_someone(fields):
            return None
        found = people()
    return seals_of(
        found,
        actor_id=fields["actor_id"],
        actor=fields["actor"],
        on_behalf_of=fields["on_behalf_of"],
        behalf_id=behalf_id,
        subject_type=fields["subject_type"],
        subject_id=fields["subject_id"],
        before=fields["before"],
        after=fields["after"],
        data=fields["data"],
    )


def _may_name_someone(fields: dict[str, Any]) -> bool:
    if fields["subject_type"] == "user":
        return True
    return any(_has_text(fields[key]) for key in ("before", "after", "data"))


def _has_text(value: Any) -> bool:
    if type(value) is str:
        return "@" in value or " " in value
    if type(value) is dict:
        return any(_has_text(v) for v in value.values())
    if type(value) is list:
        return any(_has_text(v) for v in value)
    return False


def audit_record_many(
    events: list[dict[str, Any]], *, meanwhile: Callable[[], None] | None = None
) -> int:
    """Append many events in order with one lock and one insert (set-based batch jobs such
    as invoice matching). Each dict takes audit_record's keyword arguments.

    `meanwhile`, when given, runs the caller's other statements of the same transaction
    while a worker thread serialises, hashes and formats the events for COPY (for a batch of
    at least `_HASH_ON_A_THREAD_FROM`): that is Python work and a statement is a wait on
    PostgreSQL, so a batch pays for the longer of the two, not both. It must not add events
    to the trail itself (they would not be in this chain)."""
    if not events:
        if meanwhile is not None:
            meanwhile()
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction of the change")
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_LOCK_SQL)
    prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    # read here, on the transaction's own connection: the worker thread touches no database
    found = people()
    chain = (prev_hash or GENESIS_HASH, timezone.now(), current_request_id(), found)
    # the rows are formatted as COPY data into memory (psycopg's Copy with a FileWriter),
    # with the adapters of a cursor of its own that never runs a statement
    data = io.BytesIO()
    with connection.connection.cursor() as adapters:
        formatter = Copy(adapters, binary=False, writer=FileWriter(data))
        if meanwhile is None or len(events) < _HASH_ON_A_THREAD_FROM:
            if meanwhile is not None:
                meanwhile()
            count = _copy_data(events, *chain, formatter)
        else:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-hash") as worker:
                # lazy texts in the events render in the caller's language, not the worker's
                work = _in_language(get_language(), _copy_data)
                formatting = worker.submit(work, events, *chain, formatter)
                try:
                    meanwhile()
                finally:
                    count = formatting.result()
    # COPY: rows are appended in order (ids ascending), without building a model per event
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY audit_auditevent ({', '.join(_COPY_FIELDS)}, before, after, data, prev_hash, "
            "hash, personal) FROM STDIN"
        ) as copy,
    ):
        copy.write(data.getbuffer())
    return count


# below this many events a thread would cost more than it saves (a single invoice re-matched
# while a user waits, say)
_HASH_ON_A_THREAD_FROM = 200


def _in_language[R](language: str | None, work: Callable[..., R]) -> Callable[..., R]:
    def run(*args: Any) -> R:
        with override(language):
            return work(*args)

    return run


def _copy_data(
    events: list[dict[str, Any]],
    prev_hash: str,
    now: datetime,
    request_id: str,
    found: People,
    formatter: Copy,
) -> int:
    with formatter:
        for row in _chained_rows(events, prev_hash, now, request_id, found):
            formatter.write_row(row)
    return len(events)


def _chained_rows(
    events: list[dict[str, Any]], prev_hash: str, now: datetime, request_id: str, found: People
) -> Iterator[tuple[Any, ...]]:
    """The COPY rows of `events`, each hashed onto the one before. Pure Python: it touches
    neither the database nor anything of the request, so it may run on a worker thread."""
    now_text = at_text(now)
    # a value several events share (the same object) is serialised once; the memo keeps a
    # reference to each value so that no other object can take its id meanwhile
    memo: dict[int, tuple[Any, tuple[Any, str | None]]] = {}

    def normalised(value: Any) -> tuple[Any, str | None]:
        hit = memo.get(id(value))
        if hit is None or hit[0] is not value:
            hit = memo[id(value)] = (value, normalised_with_text(value))
        return hit[1]

    for event in events:
        actor_id, actor_name = actor_label(event.get("actor"))
        behalf = event.get("on_behalf_of")
        behalf_id, behalf_name = ("", "") if behalf is None else actor_label(behalf)
        before, before_text = normalised(event.get("before"))
        after, after_text = normalised(event.get("after"))
        data, data_text = normalised(event.get("data") or _EMPTY)
        fields: dict[str, Any] = {
            "actor_id": actor_id,
            "actor": actor_name,
            "on_behalf_of": behalf_name,
            "action": event["action"],
            "subject_type": event["subject_type"],
            "subject_id": str(event["subject_id"]),
            "request_id": request_id,
            "policy_version": event.get("policy_version"),
        }
        sealed = {**fields, "before": before, "after": after, "data": data}
        personal = _batch_seals(found, sealed, behalf_id, (before_text, after_text, data_text))
        digest = chain_hash(prev_hash, canonical_sealed(now_text, sealed, personal))
        # the JSON columns go to COPY as the text already made, not serialised again
        personal_text = None if personal is None else json_text(personal)
        yield (
            now,
            *fields.values(),
            before_text,
            after_text,
            data_text,
            prev_hash,
            digest,
            personal_text,
        )
        prev_hash = digest


def _batch_seals(
    found: People, fields: dict[str, Any], behalf_id: str, texts: tuple[str | None, ...]
) -> list[dict[str, Any]] | None:
    """A batch event's seals. A system actor's event whose texts name nobody (most of a
    batch) seals nothing, found in one search of its JSON texts."""
    if not (
        fields["actor_id"] or behalf_id or fields["subject_type"] == "user"
    ) and not may_name_someone(*texts):
        return None
    before, after, data = texts
    return seals_of(
        found,
        actor_id=fields["actor_id"],
        actor=fields["actor"],
        on_behalf_of=fields["on_behalf_of"],
        behalf_id=behalf_id,
        subject_type=fields["subject_type"],
        subject_id=fields["subject_id"],
        before=fields["before"],
        after=fields["after"],
        data=fields["data"],
        texts=(before, after, data),
    )


_COPY_FIELDS = (  # in the order _chained_rows builds its rows
    "at",
    "actor_id",
    "actor",
    "on_behalf_of",
    "action",
    "subject_type",
    "subject_id",
    "request_id",
    "policy_version",
)
