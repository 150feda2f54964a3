"""A database that is unreachable for a moment answers 503 with Retry-After, on pages and in
the API, wherever the request met it (the chaos test restarts a real one: tests/chaos/)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from apps.api.errors import server_error


def _answer(path: str, exc: Exception) -> Any:
    try:
        raise exc
    except Exception:  # handler500 runs while the exception is being handled
        return server_error(RequestFactory().get(path))


@pytest.mark.parametrize(
    "exc", [OperationalError("server closed the connection"), InterfaceError()]
)
def test_an_unreachable_database_is_a_503_with_retry_after(exc: Exception) -> None:
    api = _answer("/api/v1/requisitions/", exc)
    assert (api.status_code, api["Retry-After"], api["Content-Type"]) == (
        503,
        "5",
        "application/json",
    )
    assert b'"code": "service_unavailable"' in api.content
    page = _answer("/requisitions/", exc)
    assert (page.status_code, page["Retry-After"]) == (503, "5")
    assert b"Briefly unavailable" in page.content


def test_any_other_failure_stays_a_500() -> None:
    response = _answer("/api/v1/requisitions/", RuntimeError("bug"))
    assert response.status_code == 500 and not response.has_header("Retry-After")
