"""Each request's latency by view and status class, and the database queries it made."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from .metrics import DB_QUERIES, DB_SECONDS, HTTP_REQUEST_SECONDS


class QueryTally:
    """An execute wrapper (connection.execute_wrapper): counts and times every statement."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - start


def view_label(request: HttpRequest) -> str:
    """The url name (or the route pattern when unnamed), never the path: the label's values
    are the URL patterns, however many objects there are. A request no pattern matched is
    `unresolved`."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or match.route or "unresolved"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tally = QueryTally()
        start = time.perf_counter()
        with connection.execute_wrapper(tally):
            response = self.get_response(request)
        HTTP_REQUEST_SECONDS.labels(
            view=view_label(request), status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - start)
        DB_QUERIES.observe(tally.count)
        DB_SECONDS.observe(tally.seconds)
        return response
