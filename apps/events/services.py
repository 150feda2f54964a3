"""The one event write: every service records its change here, inside its own transaction.

`event_record` appends the audit event and, for one of the event types, the outbox event, so
either both exist or neither does. An audit action that is an event type is announced under its
own name; an audit event may also announce other event types (`announce`), as a matched
batch announces `invoice.approved` or each exception it raised.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone
from psycopg import Copy
from psycopg.copy import FileWriter

from apps.audit.jsonb import json_text, normalise
from apps.audit.models import AuditEvent
from apps.audit.services import audit_chain_link, audit_chain_lock, audit_record, audit_record_many
from apps.controls.refusals import SoDViolation
from apps.controls.registries import HookRegistry
from apps.controls.spans import span_event, span_note

from .event_types import EVENT_TYPES, EventType, EventTypeMismatch
from .models import OutboxEvent

T = TypeVar("T")
Announcement = tuple[str, Mapping[str, Any]]
# called once per transaction that wrote outbox rows, when it commits (the integrations
# context registers the dispatcher's nudge: this layer knows nothing of Celery)
_ON_OUTBOX_COMMIT = HookRegistry[Callable[[], None]](
    "events.services.on_outbox_commit",
    "a committed change's outbox events are dispatched at once (beat's dispatcher catches up)",
)


def on_outbox_commit(hook: Callable[[], None]) -> None:
    if hook not in _ON_OUTBOX_COMMIT:
        _ON_OUTBOX_COMMIT.append(hook)


def _nudge() -> None:
    for hook in _ON_OUTBOX_COMMIT:
        hook()


def _after_commit_of_outbox_rows() -> None:
    """Once per transaction: on_commit callbacks are dropped with a rolled-back transaction,
    so a pending one in the list means this transaction already asked."""
    if not _ON_OUTBOX_COMMIT:
        return
    conn = transaction.get_connection()
    if not any(callback is _nudge for _ids, callback, _robust in conn.run_on_commit):
        transaction.on_commit(_nudge)


def event_record(
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
    payload: Mapping[str, Any] | None = None,
    announce: Iterable[Announcement] = (),
) -> AuditEvent:
    """Record one change: its audit event and the event types it announces. Must run
    inside the transaction of the change."""
    announced = _announcements(action, payload, announce)  # refused before anything is written
    event = audit_record(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=before,
        after=after,
        data=data,
        policy_version=policy_version,
        on_behalf_of=on_behalf_of,
    )
    for kind, body in announced:
        OutboxEvent.objects.create(
            event_type=kind.type,
            schema=kind.schema,
            subject_type=subject_type,
            subject_id=str(subject_id),
            payload=normalise(body),
        )
    if announced:
        _after_commit_of_outbox_rows()
    _on_the_trace(action, subject_type, subject_id, announced)
    return event


def event_record_many(
    events: list[dict[str, Any]], *, meanwhile: Callable[[], None] | None = None
) -> int:
    """Record many changes in order (set-based batch jobs such as invoice matching): one
    audit insert and one outbox insert. Each dict takes `event_record`'s keyword arguments;
    `meanwhile` is `audit_record_many`'s: the caller's statements, run (with the outbox's
    insert) while the trail's events are hashed on a worker thread."""
    outbox: list[tuple[EventType, Mapping[str, Any], str, str]] = []
    for event in events:  # the trail reads only its own keys, so the dicts are passed as-is
        payload, announce = event.get("payload"), event.get("announce", ())
        if payload is not None or announce or event["action"] in EVENT_TYPES:
            subject = event["subject_type"], str(event["subject_id"])
            for kind, body in _announcements(event["action"], payload, announce):
                outbox.append((kind, body, *subject))
    if not outbox:
        return audit_record_many(events, meanwhile=meanwhile)
    if not connection.in_atomic_block:
        raise RuntimeError("outbox events must be written inside the transaction of the change")
    data = io.BytesIO()
    # psycopg's formatter, with the adapters of a cursor of its own that runs no statement
    with connection.connection.cursor() as adapters:
        _outbox_rows(outbox, Copy(adapters, binary=False, writer=FileWriter(data)))

    def statements() -> None:
        # the caller's statements and the outbox's COPY: waits on PostgreSQL, while a worker
        # thread hashes the trail's events
        if meanwhile is not None:
            meanwhile()
        with connection.cursor() as cursor, cursor.cursor.copy(_OUTBOX_COPY) as copy:
            copy.write(data.getbuffer())

    written = audit_record_many(events, meanwhile=statements)
    _after_commit_of_outbox_rows()
    _numbers_on_the_trace(outbox)
    return written


def _on_the_trace(
    action: str,
    subject_type: str,
    subject_id: object,
    announced: list[tuple[EventType, Mapping[str, Any]]],
) -> None:
    """What the change acted on, for the trace of its request or task (when traced): the
    business number (REQ-…, PO-…, the invoice's number) as `spendgate.<subject>.number` on the
    current span, and the event itself as a span event."""
    numbers = {
        f"spendgate.{kind.subject}.number": body["number"]
        for kind, body in announced
        if isinstance(body.get("number"), str)
    }
    span_note(numbers)
    span_event(
        action,
        {
            "spendgate.subject_type": subject_type,
            "spendgate.subject_id": str(subject_id),
            **numbers,
        },
    )


TRACED_NUMBERS = 50  # of one batch, on its span


def _numbers_on_the_trace(outbox: list[tuple[EventType, Mapping[str, Any], str, str]]) -> None:
    """A batch's business numbers as `spendgate.<subject>.numbers` (the first 50, sorted)."""
    numbers: dict[str, set[str]] = {}
    for kind, body, _subject_type, _subject_id in outbox:
        if isinstance(body.get("number"), str):
            numbers.setdefault(f"spendgate.{kind.subject}.numbers", set()).add(body["number"])
    span_note({key: sorted(found)[:TRACED_NUMBERS] for key, found in numbers.items()})


# the id, the time and the attempts are the columns' defaults (gen_random_uuid(), now(), 0)
_OUTBOX_COPY = (
    "COPY events_outboxevent (event_type, schema, subject_type, subject_id, payload) FROM STDIN"
)


def _outbox_rows(
    events: list[tuple[EventType, Mapping[str, Any], str, str]], formatter: Copy
) -> None:
    """The outbox rows as COPY data (the id, time and attempts are the columns' defaults)."""
    with formatter:
        for kind, body, subject_type, subject_id in events:
            # the payload column takes the JSON text
            formatter.write_row((kind.type, kind.schema, subject_type, subject_id, json_text(body)))


def outbox_event_addressed(
    *, event_type: str, subject_type: str, subject_id: object, payload: Mapping[str, Any]
) -> OutboxEvent:
    """An outbox event for one receiver alone (a webhook endpoint's test event), of no event
    type: written as dispatched, so the dispatcher never fans it out to the others. The
    caller records its own audit event with `event_record`."""
    return OutboxEvent.objects.create(
        event_type=event_type,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=dict(payload),
        dispatched_at=timezone.now(),
    )


@transaction.atomic
def event_record_atomic(**kwargs: Any) -> AuditEvent:
    """`event_record` in a transaction of its own (a refusal recorded after the refused
    change rolled back)."""
    return event_record(**kwargs)


def records_sod_refusals(
    action: str, subject_type: str, subject_key: str
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """For a service whose own transaction rolls back when segregation of duties refuses the
    actor: the refusal is then recorded in a transaction of its own (`data.code` is
    `sod_violation`), so the trail shows every conflict prevented. Put it outside
    `@transaction.atomic`."""

    def wrap(service: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(service)
        def guarded(*args: Any, **kwargs: Any) -> T:
            try:
                return service(*args, **kwargs)
            except SoDViolation as refusal:
                event_record_atomic(
                    actor=kwargs.get("actor"),
                    action=action,
                    subject_type=subject_type,
                    subject_id=kwargs.get(subject_key, ""),
                    data={"code": "sod_violation", "detail": refusal.detail},
                )
                raise

        return guarded

    return wrap


def _announcements(
    action: str, payload: Mapping[str, Any] | None, announce: Iterable[Announcement]
) -> list[tuple[EventType, Mapping[str, Any]]]:
    """The event types an audit action announces, each payload held to its type's fields."""
    found: list[tuple[EventType, Mapping[str, Any]]] = []
    own = EVENT_TYPES.get(action)
    if own is not None:
        if payload is None:
            raise EventTypeMismatch(f"{action} is an event type: give its payload")
        found.append((own, payload))
    elif payload is not None:
        raise EventTypeMismatch(f"{action} is not an event type: it has no payload")
    for event_type, body in announce:
        kind = EVENT_TYPES.get(event_type)
        if kind is None or action not in kind.recorded_as:
            raise EventTypeMismatch(f"{action} does not announce {event_type} (docs/events.md)")
        found.append((kind, body))
    for kind, body in found:
        if body.keys() != kind.fields.keys():
            missing, extra = kind.fields.keys() - body.keys(), body.keys() - kind.fields.keys()
            raise EventTypeMismatch(
                f"{kind.type} payload: missing {sorted(missing)}, not in the event type "
                f"{sorted(extra)}"
            )
    return found


def events_lock_first() -> None:
    """Before locking a row many transactions share (budgets, number sequences): take the
    event chain's writer lock first, so that no transaction holds such a row while it waits
    behind a chainer (apps.audit.services.audit_chain_lock)."""
    audit_chain_lock()


def events_chain_link(*, wait: bool = True) -> int | None:
    """Link the trail's committed events into its chain now, before reading it as evidence (a
    check, a pack, a backup): by default waiting, briefly, for the writers in flight
    (apps.audit.services.audit_chain_link)."""
    return audit_chain_link(wait=wait)
