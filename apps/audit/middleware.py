"""Request context: a request id for every request, bound into logs with tenant and user."""

from __future__ import annotations

import re
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from .context import current_request_id, reset_request_id, set_request_id

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("spendgate.request")


class RequestContextMiddleware:
    """Outermost: gives the request an id (or keeps a sane incoming X-Request-ID)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else None)
        request_id = current_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, host=request.get_host())
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            log.info(
                "request",
                method=request.method,
                path=request.path,
                status=response.status_code,
            )
            return response
        finally:
            structlog.contextvars.clear_contextvars()
            reset_request_id(token)


class RequestUserLogMiddleware:
    """After authentication: binds the tenant and user into every log line of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        structlog.contextvars.bind_contextvars(
            tenant=getattr(tenant, "schema_name", None),
            user=user.get_username() if user is not None and user.is_authenticated else None,
        )
        return self.get_response(request)
