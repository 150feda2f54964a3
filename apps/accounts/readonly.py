"""Auditors read everything and change nothing.

One guard for the whole tenant site, so a new form or endpoint cannot forget it: any request
that is not a read (GET, HEAD, OPTIONS), made by a user holding the auditor role, is refused
with 403 `permission_denied` — except the few writes that belong to an auditor's work
(signing in and out, asking for an evidence pack). API token requests are identified here
too, before the view runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from apps.accounts.roles import AUDITOR
from apps.api.errors import json_error

SAFE = {"GET", "HEAD", "OPTIONS"}
# url names an auditor may POST to
AUDITOR_WRITES = {
    "login",
    "logout",
    "api-token",
    "language-choose",  # the person's own language, no business record
    "api-me",  # the same through the API
    "evidence-pack-list",  # API: ask for a pack
    "audit-pack-request",  # /audit/: ask for a pack
    "audit-chain-check",  # /audit/: verify the chain now (records the check)
    "audit-report-generate",  # /audit/: last month's control report on demand
}


def is_auditor(user: Any) -> bool:
    if not (user and user.is_authenticated):
        return False
    cached = getattr(user, "_is_auditor", None)
    if cached is None:
        cached = user.groups.filter(name=AUDITOR).exists()
        user._is_auditor = cached
    return bool(cached)


def _token_user(request: HttpRequest) -> Any:
    from apps.api.auth import TokenAuthentication

    try:
        found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except Exception:
        return None
    return found[0] if found else None


class AuditorReadOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method in SAFE:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in AUDITOR_WRITES:
            return None
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated):
            user = _token_user(request)
        if is_auditor(user):
            message = _("Auditors have read-only access.")
            if request.path.startswith("/api/"):
                return json_error("permission_denied", message, 403)
            raise PermissionDenied(message)
        return None
