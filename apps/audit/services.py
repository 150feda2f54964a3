"""Writing the audit trail. Called by every service that changes state, inside its transaction."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language, override
from psycopg import Copy
from psycopg.copy import FileWriter

from .chain import GENESIS_HASH, HASHED_FIELDS, stored_hash
from .context import current_request_id, in_schema
from .jsonb import json_text, normalise, normalised_with_text
from .models import AuditEvent
from .personal import People, forget_people, may_name_someone, people, seals_of

_EMPTY: dict[str, Any] = {}
# One chain per schema, linked after commit. Writers hold the chain's lock in SHARE mode to the
# end of their transaction, so they never wait for each other; the chainer takes it
# exclusively, which it gets only when no writer of the tenant is in the middle of a
# transaction: every event id handed out is then committed or gone for good, so it links the
# committed unlinked events in id order and the linked events stay a prefix of the trail.
_LOCK_KEY = "hashtext(current_schema() || ':audit_chain')"
# (it answers the schema the lock is taken in, which the chainer then links)
_WRITER_LOCK_SQL = f"SELECT current_schema(), pg_advisory_xact_lock_shared({_LOCK_KEY})"
_CHAINER_TRY_SQL = f"SELECT pg_try_advisory_xact_lock({_LOCK_KEY})"
_CHAINER_WAIT_SQL = f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"
# how long a chainer that must link (a check, a backup, a pack) waits for the writers in flight
CHAINER_WAIT = "5s"
# events linked per statement
_LINK_CHUNK = 2000


def audit_chain_lock() -> None:
    """Take this tenant's writer lock on the chain now rather than at the transaction's first
    event (held to the end of the transaction, shared with every other writer), and have the
    chainer link the schema once the transaction commits.

    A transaction that locks a row many others also lock (a budget, a number sequence) and
    then records an event takes it first, so that it never holds such a row while it waits
    behind a chainer that waits for the writers in flight."""
    with connection.cursor() as cursor:
        cursor.execute(_WRITER_LOCK_SQL)
        schema = cursor.fetchone()[0]
    # once per schema the transaction writes in: on-commit callbacks go with a rolled-back
    # (sub)transaction, as the lock does, so a pending one means this schema is asked for
    pending = transaction.get_connection().run_on_commit
    if not any(getattr(callback, "schema", None) == schema for _i, callback, _r in pending):
        transaction.on_commit(_Link(schema), robust=True)


class _Link:
    """The chainer of one schema, run after the commit (in that schema, apps.tenancy runs it)."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    def __call__(self) -> None:
        in_schema(self.schema, audit_chain_link)


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
    audit_chain_lock()
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
    # linked by the chainer after the commit (audit_chain_link)
    return AuditEvent.objects.create(at=at, personal=personal, **fields)


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
    """Append many events in order with one insert (set-based batch jobs such as invoice
    matching), linked by the chainer after the commit. Each dict takes audit_record's keyword
    arguments.

    `meanwhile`, when given, runs the caller's other statements of the same transaction
    while a worker thread serialises, seals and formats the events for COPY (for a batch of
    at least `_FORMAT_ON_A_THREAD_FROM`): that is Python work and a statement is a wait on
    PostgreSQL, so a batch pays for the longer of the two, not both (events it records itself
    come before the batch's in the chain: the chainer links in id order)."""
    if not events:
        if meanwhile is not None:
            meanwhile()
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the transaction of the change")
    audit_chain_lock()
    # read here, on the transaction's own connection: the worker thread touches no database
    found = people()
    batch = (timezone.now(), current_request_id(), found)
    # the rows are formatted as COPY data into memory (psycopg's Copy with a FileWriter),
    # with the adapters of a cursor of its own that never runs a statement
    data = io.BytesIO()
    with connection.connection.cursor() as adapters:
        formatter = Copy(adapters, binary=False, writer=FileWriter(data))
        if meanwhile is None or len(events) < _FORMAT_ON_A_THREAD_FROM:
            if meanwhile is not None:
                meanwhile()
            count = _copy_data(events, *batch, formatter)
        else:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-format") as worker:
                # lazy texts in the events render in the caller's language, not the worker's
                work = _in_language(get_language(), _copy_data)
                formatting = worker.submit(work, events, *batch, formatter)
                try:
                    meanwhile()
                finally:
                    count = formatting.result()
    # COPY: rows are appended in order (ids ascending), without building a model per event
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY audit_auditevent ({', '.join(_COPY_FIELDS)}, before, after, data, personal) "
            "FROM STDIN"
        ) as copy,
    ):
        copy.write(data.getbuffer())
    return count


# below this many events a thread would cost more than it saves (a single invoice re-matched
# while a user waits, say)
_FORMAT_ON_A_THREAD_FROM = 200


def _in_language[R](language: str | None, work: Callable[..., R]) -> Callable[..., R]:
    def run(*args: Any) -> R:
        with override(language):
            return work(*args)

    return run


def _copy_data(
    events: list[dict[str, Any]],
    now: datetime,
    request_id: str,
    found: People,
    formatter: Copy,
) -> int:
    with formatter:
        for row in _rows(events, now, request_id, found):
            formatter.write_row(row)
    return len(events)


def _rows(
    events: list[dict[str, Any]], now: datetime, request_id: str, found: People
) -> Iterator[tuple[Any, ...]]:
    """The COPY rows of `events`, sealed. Pure Python: it touches neither the database nor
    anything of the request, so it may run on a worker thread."""
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
        # the JSON columns go to COPY as the text already made, not serialised again
        personal_text = None if personal is None else json_text(personal)
        yield (now, *fields.values(), before_text, after_text, data_text, personal_text)


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


def audit_chain_link(*, wait: bool = False) -> int | None:
    """Link this schema's committed events not linked yet, in id order, each to the one
    before (its `prev_hash`, and its `hash` over that and its canonical form, exactly as
    verification recomputes them from the stored row). Returns how many it linked.

    Runs after every commit that wrote events (`audit_chain_lock`), in short transactions of
    its own, one per chunk of _LINK_CHUNK events, so that a large batch holds new writers up
    for one chunk at a time. It links only when no writer of the tenant is mid-transaction:
    without `wait` it does not queue for that (None: the writer still in flight links when it
    commits); with `wait` (a chain check, a backup, an evidence pack) it waits up to
    CHAINER_WAIT per chunk, and None means the wait ran out before it linked anything. Inside a
    transaction that wrote events itself (a test, a restore) it links those too: a transaction
    never waits for its own lock."""
    linked = 0
    while True:
        chunk = _link_chunk(wait=wait)
        if chunk is None:
            return linked or None
        linked += chunk
        if chunk < _LINK_CHUNK:
            return linked


def _link_chunk(*, wait: bool) -> int | None:
    with transaction.atomic(), connection.cursor() as cursor:
        if not _chainer_lock(cursor, wait=wait):
            return None
        cursor.execute(
            "SELECT u.first, (SELECT hash FROM audit_auditevent WHERE id < u.first "
            "ORDER BY id DESC LIMIT 1) FROM (SELECT min(id) AS first FROM audit_auditevent "
            "WHERE hash IS NULL) AS u"
        )
        first, prev_hash = cursor.fetchone()
        if first is None:
            return 0
        prev_hash = prev_hash or GENESIS_HASH
        rows = list(
            AuditEvent.objects.filter(hash__isnull=True, id__gte=first)
            .order_by("id")
            .values("id", "at", "personal", *HASHED_FIELDS)[:_LINK_CHUNK]
        )
        ids, links, hashes = [], [], []
        for row in rows:
            digest = stored_hash(prev_hash, row)
            ids.append(row["id"])
            links.append(prev_hash)
            hashes.append(digest)
            prev_hash = digest
        cursor.execute(
            "UPDATE audit_auditevent AS e SET prev_hash = v.prev_hash, hash = v.hash "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, prev_hash, hash) "
            "WHERE e.id = v.id",
            [ids, links, hashes],
        )
        return len(ids)


def _chainer_lock(cursor: Any, *, wait: bool) -> bool:
    if not wait:
        cursor.execute(_CHAINER_TRY_SQL)
        return bool(cursor.fetchone()[0])
    cursor.execute("SELECT current_setting('lock_timeout')")
    (before,) = cursor.fetchone()
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [CHAINER_WAIT])
    try:
        with transaction.atomic():  # a wait that runs out rolls back to here, not further
            cursor.execute(_CHAINER_WAIT_SQL)
    except OperationalError:
        return False
    finally:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    return True
