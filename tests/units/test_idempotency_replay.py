"""A replayed Idempotency-Key answer is the first answer byte for byte, an empty one included
(no database: the stored record is built in memory)."""

from __future__ import annotations

from apps.integrations.idempotency import IdempotencyMiddleware
from apps.integrations.models import IdempotencyRecord


def test_an_empty_first_answer_is_replayed_empty() -> None:
    record = IdempotencyRecord(fingerprint="f", status_code=204, content_type="", body=None)
    replayed = IdempotencyMiddleware._replay(record, "f")
    assert replayed.status_code == 204 and replayed.content == b""
    assert replayed["Idempotent-Replayed"] == "true"


def test_a_stored_answer_is_replayed_as_it_was() -> None:
    record = IdempotencyRecord(
        fingerprint="f", status_code=201, content_type="application/json", body=b'{"id": 7}'
    )
    replayed = IdempotencyMiddleware._replay(record, "f")
    assert (replayed.status_code, replayed.content) == (201, b'{"id": 7}')
    assert replayed["Content-Type"] == "application/json"
