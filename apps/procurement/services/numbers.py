"""Numbers people quote (REQ-000123, PO-US01-000042, GR-000007, PAY-000012), gap-free per key."""

from __future__ import annotations

from apps.events.services import events_lock_first

from ..models import NumberSequence


def next_number(key: str, prefix: str, width: int = 6) -> str:
    events_lock_first()  # the shared sequence row after the event chain, in every transaction
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(key=key)
    value = sequence.next_value
    sequence.next_value = value + 1
    sequence.save(update_fields=["next_value"])
    return f"{prefix}{value:0{width}d}"
