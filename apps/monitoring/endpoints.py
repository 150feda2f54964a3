"""`/healthz`, `/readyz` and `/metrics`, answered first thing on every host (an unknown one
too, such as a probe's IP address): no tenant, session or sign-in is involved.

`/metrics` answers `Authorization: Bearer $METRICS_TOKEN`; with no token configured, only a
client connected from loopback. `X-Forwarded-For` never makes a client loopback, and a
request that carries a forwarding header is not taken for a loopback client even when its
proxy connects from 127.0.0.1: behind a reverse proxy, set METRICS_TOKEN."""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .collectors import exposition
from .readiness import readiness

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def from_loopback(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    loopback = address.is_loopback or bool(mapped and mapped.is_loopback)
    return loopback and not any(header in request.META for header in FORWARDING_HEADERS)


def metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the caller may read the metrics; else the refusal, which says nothing of
    what is configured beyond the authentication scheme."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        ):
            return None
        refusal = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        refusal["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refusal
    if from_loopback(request):
        return None
    return HttpResponse("Forbidden\n", status=403, content_type="text/plain")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    ready, report = readiness()
    return HttpResponse(
        json.dumps(report), status=200 if ready else 503, content_type="application/json"
    )


def metrics(request: HttpRequest) -> HttpResponse:
    refusal = metrics_refusal(request)
    if refusal is not None:
        return refusal
    return HttpResponse(exposition(), content_type=PROMETHEUS_TEXT)


ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics,
}


class OperationsEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if endpoint is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = endpoint(request)
        response["Cache-Control"] = "no-store"
        if request.method == "HEAD":
            response.content = b""
        return response
