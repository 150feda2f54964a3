"""How the API writes every error as {code, detail[, errors]}: the domain's refusals
(apps.controls.refusals) with their own status and code, and whatever else went wrong."""

from __future__ import annotations

import sys
from typing import Any

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.controls.refusals import ApplicationError

log = structlog.get_logger("spendgate.api")


def validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for field, value in detail.items():
            if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
                # a list field's errors per item: an object's under `field[i].sub`, a plain
                # value's under the field's own name
                for i, item in sorted(value.items()):
                    if isinstance(item, dict):
                        for sub, messages in _flatten(item).items():
                            out[f"{field}[{i}].{sub}"] = messages
                    else:
                        out.setdefault(field, []).extend(
                            str(m) for m in (item if isinstance(item, list) else [item])
                        )
            elif isinstance(value, dict) and set(value) == {"non_field_errors"}:
                out[field] = [str(m) for m in value["non_field_errors"]]
            elif isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{field}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for i, item in enumerate(value):
                    for sub, messages in _flatten(item).items():
                        out[f"{field}[{i}].{sub}"] = messages
            elif isinstance(value, list):
                out[field] = [str(v) for v in value]
            else:
                out[field] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


# What a serializer refuses with these codes is what the published schema itself forbids (a
# missing or null field, a wrong type or format, a value outside its length, range or enum):
# 400. Any other code (a domain validator's, a rule across fields, an unknown id) refuses a
# schema-valid request for its values: 422 (docs/api.md, "Errors").
SCHEMA_CODES = frozenset(
    {
        "required",
        "null",
        "blank",
        "invalid",
        "max_length",
        "min_length",
        "max_value",
        "min_value",
        "invalid_choice",
        "not_a_list",
        "not_a_dict",
        "empty",
        "max_digits",
        "max_decimal_places",
        "max_whole_digits",
        "max_string_length",
        "date",
        "datetime",
        "overflow",
        "no_name",
        "incorrect_type",
        "parse_error",
    }
)


def _codes(codes: Any) -> set[str]:
    if isinstance(codes, dict):
        return {c for value in codes.values() for c in _codes(value)}
    if isinstance(codes, list):
        return {c for value in codes for c in _codes(value)}
    return {str(codes)}


def validation_status(exc: drf.ValidationError) -> int:
    return 400 if _codes(exc.get_codes()) <= SCHEMA_CODES else 422


_DRF_CODES = {
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "authentication_failed",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
    drf.ParseError: "parse_error",
}


# What a database restart or a cut connection raises: the request's transaction is either
# committed whole or rolled back, so the client may try again.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER = "5"
UNAVAILABLE = gettext_lazy(
    "The service is briefly unavailable; try again in a few seconds (with the same "
    "Idempotency-Key, a retry never does anything twice)."
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"code": exc.code, "detail": str(exc.detail)}
        if exc.errors:
            body["errors"] = exc.errors
        body.update(getattr(exc, "extra", None) or {})  # e.g. the contract condition that failed
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        return Response(
            {
                "code": "validation_error",
                "detail": _("Some fields are not valid."),
                "errors": validation_errors(exc),
            },
            status=422,
        )
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, DATABASE_UNAVAILABLE):
        log.warning("database_unavailable", error=str(exc))
        return Response(
            {"code": "service_unavailable", "detail": str(UNAVAILABLE)},
            status=503,
            headers={"Retry-After": RETRY_AFTER},
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        log.exception("unhandled_api_error", exc_info=exc)
        return Response(
            {"code": "server_error", "detail": _("Something went wrong on our side.")}, status=500
        )
    if isinstance(exc, drf.ValidationError):
        response.status_code = validation_status(exc)
        response.data = {
            "code": "validation_error",
            "detail": _("Some fields are not valid."),
            "errors": _flatten(exc.detail),
        }
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    if code is None:
        code = getattr(exc, "default_code", "error")
    detail = exc.detail if isinstance(exc, drf.APIException) else str(exc)
    response.data = {"code": code, "detail": str(detail)}
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def json_error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 of both URL confs: a database that is unreachable for a moment (outside a
    DRF view too: the tenant lookup, sign-in, pages) answers 503 with `Retry-After`, for pages
    a short page that needs no database; anything else is Django's 500."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, DATABASE_UNAVAILABLE):
        return defaults.server_error(request)
    log.warning("database_unavailable", error=str(exc), path=request.path)
    if _is_api(request):
        response: HttpResponse = json_error("service_unavailable", str(UNAVAILABLE), 503)
    else:
        response = HttpResponse(
            "<!doctype html><title>Briefly unavailable</title>"
            f"<h1>Briefly unavailable</h1><p>{UNAVAILABLE!s}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = RETRY_AFTER
    return response


class ApiErrorBodyMiddleware:
    """Every 4xx/5xx under /api/ has a JSON body with `code` and `detail`, whoever produced it
    (URL resolver, CSRF, Django's error pages with or without DEBUG, an unhandled exception:
    Django turns those into responses before they reach this middleware)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        response = self.get_response(request)
        if (
            _is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code = _STATUS_CODES.get(
                response.status_code, "error" if response.status_code < 500 else "server_error"
            )
            # in the reader's language, which the inner response names (once it was known)
            with translation.override(response.get("Content-Language") or None):
                detail = {
                    404: _("Not found."),
                    405: _("This method is not allowed here."),
                    403: _("You may not do this."),
                }.get(
                    response.status_code,
                    _("The request could not be processed.")
                    if response.status_code < 500
                    else _("Something went wrong on our side."),
                )
                body = json_error(code, str(detail), response.status_code)
            if response.get("Content-Language"):
                body["Content-Language"] = response["Content-Language"]
            return body
        return response
