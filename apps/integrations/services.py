from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.utils import timezone

from apps.audit.services import json_text, normalise

from .models import OutboxEvent


def outbox_record(
    *, event_type: str, subject_type: str, subject_id: object, payload: Any
) -> OutboxEvent:
    """Queue a domain event. Runs inside the caller's transaction, so the event exists if and
    only if the change does."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_record must run inside the transaction of the change")
    return OutboxEvent.objects.create(
        event_type=event_type,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=normalise(payload) or {},
    )


def outbox_record_many(events: list[tuple[str, str, object, Any]]) -> int:
    """Queue many domain events, each (event_type, subject_type, subject_id, payload), with
    one COPY (set-based batch jobs such as invoice matching); same transaction rule."""
    if not events:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_record_many must run inside the transaction of the change")
    now = timezone.now()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY integrations_outboxevent (id, event_type, subject_type, subject_id, payload, "
            "created_at, attempts) FROM STDIN"
        ) as copy,
    ):
        for event_type, subject_type, subject_id, payload in events:
            copy.write_row(
                (
                    uuid.uuid4(),
                    event_type,
                    subject_type,
                    str(subject_id),
                    json_text(payload or {}),  # COPY takes the column's text
                    now,
                    0,
                )
            )
    return len(events)
