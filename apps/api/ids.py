"""Ids in the API are opaque strings; these are UUIDs, and a malformed one matches nothing."""

from __future__ import annotations

import uuid


def parse_uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
