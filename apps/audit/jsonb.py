"""The JSON our JSONB columns are written from, and what PostgreSQL gives back: decimals,
dates and UUIDs as strings. The trail hashes exactly this, so a value reads back as hashed."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def normalise(value: Any) -> Any:
    """What JSONB will give back: decimals, dates and UUIDs as strings."""
    return normalised_with_text(value)[0]


# Made once: json.dumps(cls=...) would build an encoder per call, which batch writers of
# thousands of events (matching) pay for.
_COLUMN = DjangoJSONEncoder()


def json_text(value: Any) -> str:
    """The JSON text our JSONB columns are written from (decimals, dates, UUIDs as strings)."""
    return _COLUMN.encode(value)


def normalised_with_text(value: Any) -> tuple[Any, str | None]:
    """`normalise(value)` and its JSON text (None for None), serialising once."""
    if value is None:
        return None, None
    text = json_text(value)
    return json.loads(text), text
