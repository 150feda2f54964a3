from __future__ import annotations

from typing import Any

from django.db import connection

from apps.audit.services import normalise

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
