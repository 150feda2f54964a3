"""What every request must be before any view sees it (pages and API alike).

One place refuses the input no view should have to think about: a NUL character anywhere in the
path, the query string or a form field (PostgreSQL cannot store it, so it used to surface as a
server error far down), and a body larger than the request may be. HEAD is handled as the GET it
stands for: a view that branches on `request.method == "GET"` must never treat a HEAD as a write
(HEAD is a safe method, so it also skips CSRF, Idempotency-Key and the auditor guard).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def body_limit(request: HttpRequest) -> int:
    """Bytes a request body may have: what REQUEST_BODY_LIMITS says for its path (a whole mail
    for the raw-MIME API), uploads up to the document limit, anything else up to
    DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if request.path in settings.REQUEST_BODY_LIMITS:
        return int(settings.REQUEST_BODY_LIMITS[request.path])
    if request.content_type == "multipart/form-data":
        # the file itself plus room for the form's other fields and the multipart framing
        return int(settings.SUPPLIER_UPLOAD_MAX_BYTES) + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _refusal(request: HttpRequest, code: str, detail: str, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "detail": detail}, status=status)
    if status == 413:
        return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
    return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")


def _has_nul(text: str) -> bool:
    return "\x00" in text


class RequestBoundaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "HEAD":
            # Answered as a GET (the server drops the body); the request's own body is ignored.
            request.method = "GET"
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        raw_query = request.META.get("QUERY_STRING", "")
        if _has_nul(request.path) or b"\x00" in unquote_to_bytes(raw_query):
            return _refusal(
                request,
                "invalid_parameter",
                _("The address holds a NUL character, which no parameter may contain."),
                400,
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(request, "bad_request", _("Content-Length is not a number."), 400)
        limit = body_limit(request)
        if length > limit:
            return _refusal(
                request,
                "payload_too_large",
                _("The request body is larger than %(limit)s MB.")
                % {"limit": round(limit / 1_048_576, 1)},
                413,
            )
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                fields = [v for values in request.POST.lists() for v in (values[0], *values[1])]
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                return _refusal(
                    request, "payload_too_large", _("The form sends too much data."), 413
                )
            except MultiPartParserError:
                return _refusal(
                    request, "bad_request", _("The multipart body cannot be read."), 400
                )
            if any(_has_nul(value) for value in fields if isinstance(value, str)):
                return _refusal(
                    request,
                    "invalid_parameter",
                    _("A form field holds a NUL character, which no field may contain."),
                    400,
                )
        return None


MAX_JSON_DEPTH = 32
# a lone UTF-16 surrogate ("\ud800" in JSON) is no character: UTF-8 cannot encode it for the
# database, so it would surface as a server error
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_refusal(value: object) -> str | None:
    """Why a parsed JSON document may not go further, or None: nested deeper than
    MAX_JSON_DEPTH, or a NUL character or a lone surrogate in a key or a string."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _has_nul(item):
                return _("A string holds a NUL character, which no field may contain.")
            if _SURROGATE.search(item):
                return _("A string holds a lone surrogate (U+D800 to U+DFFF), not a character.")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            return _("The JSON body is nested deeper than %(depth)s levels.") % {
                "depth": MAX_JSON_DEPTH
            }
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        else:
            stack.extend((child, depth + 1) for child in item)
    return None
