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


class JsonText(str):
    """JSON text made already (by PostgreSQL, say), as a value of a dict written by json_text:
    it goes into the text as it is, not parsed and serialised again. A large part of a
    payload that thousands of events of a batch carry (an approved invoice's posting data)
    costs nothing in Python that way."""


def json_text(value: Any) -> str:
    """The JSON text our JSONB columns are written from (decimals, dates, UUIDs as strings).
    A dict's JsonText values (at its top level) are written as the JSON they hold."""
    if type(value) is dict and any(type(v) is JsonText for v in value.values()):
        made = [(key, v) for key, v in value.items() if type(v) is JsonText]
        text = _COLUMN.encode({key: v for key, v in value.items() if type(v) is not JsonText})
        spliced = ",".join(f"{_COLUMN.encode(str(key))}:{v}" for key, v in made)
        return f"{text[:-1]}{',' if len(text) > 2 else ''}{spliced}}}"
    return _COLUMN.encode(value)


def normalised_with_text(value: Any) -> tuple[Any, str | None]:
    """`normalise(value)` and its JSON text (None for None), serialising once."""
    if value is None:
        return None, None
    text = json_text(value)
    return json.loads(text), text
