"""Payload fields a batch leaves to the dispatcher: a large field that many events of one batch
carry (an approved invoice's posting data) is written as null by the batch and filled in,
once, when the dispatcher takes the event, before any delivery is made of it. Every delivery
of the event then carries the same body, as the outbox holds it.

The context that owns the data registers how to read it for many subjects at once
(`complete_at_dispatch`, from its `AppConfig.ready`); the event type names the field
(`EventType.completed_at_dispatch`) and docs/events.md says so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.db import DatabaseError, connection, transaction

from apps.controls.registries import KeyedRegistry

from .event_types import EVENT_TYPES
from .models import OutboxEvent

log = structlog.get_logger("spendgate.outbox")


@dataclass(frozen=True)
class Completion:
    field: str
    # the statement that reads the field's value for the subject ids in `%(ids)s` (a text
    # array): rows of (subject id as text, the value as JSON text); PostgreSQL fills the
    # outbox from it directly, so the values never travel to Python and back
    query: Callable[[], str]


_COMPLETIONS = KeyedRegistry[Completion](
    "events.completion.complete_at_dispatch",
    "a payload field a batch leaves null is filled in once, when the dispatcher takes the "
    "event (an approved invoice's posting data)",
)


def complete_at_dispatch(event_type: str, field: str, query: Callable[[], str]) -> None:
    kind = EVENT_TYPES[event_type]
    if field not in kind.completed_at_dispatch:
        raise ValueError(f"{event_type} does not name {field} as completed at dispatch")
    _COMPLETIONS[event_type] = Completion(field, query)


def completions() -> dict[str, Completion]:
    return dict(_COMPLETIONS)


def outbox_complete(events: list[OutboxEvent]) -> int:
    """Fill in the fields left null of these outbox events (the dispatcher's batch, locked by
    it): one UPDATE per field, reading the values by the owner's statement. Returns how many
    events were filled. The rows in memory are not refreshed: a delivery reads its event's
    payload from the table when it is sent. A subject the owner no longer knows keeps null;
    so does one its statement cannot read at all (an id of another form), without keeping the
    others of the batch from being filled, or the batch from being dispatched."""
    filled = 0
    for event_type, completion in _COMPLETIONS.items():
        waiting = [
            e
            for e in events
            if e.event_type == event_type and e.payload.get(completion.field, "") is None
        ]
        if not waiting:
            continue
        try:
            with transaction.atomic():
                done = _fill(completion, waiting)
        except DatabaseError:
            done = 0
            for event in waiting:  # each on its own: only the unreadable one stays null
                try:
                    with transaction.atomic():
                        done += _fill(completion, [event])
                except DatabaseError:
                    log.warning(
                        "outbox_field_unreadable",
                        outbox_event=str(event.pk),
                        subject=event.subject_id,
                    )
        if done < len(waiting):
            log.warning(
                "outbox_field_not_found",
                event_type=event_type,
                field=completion.field,
                missing=len(waiting) - done,
            )
        filled += done
    return filled


def _fill(completion: Completion, events: list[OutboxEvent]) -> int:
    # the owner's statement is code registered at start-up; every value is a parameter
    values = f"({completion.query()}) AS v(subject_id, value)"
    statement = (
        "UPDATE events_outboxevent AS o SET payload = jsonb_set(o.payload, %(path)s, "  # noqa: S608
        f"v.value::jsonb) FROM {values} "
        "WHERE o.id = ANY(%(events)s::uuid[]) AND o.subject_id = v.subject_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "path": [completion.field],
                "events": [e.pk for e in events],
                "ids": sorted({e.subject_id for e in events}),
            },
        )
        return int(cursor.rowcount)
