"""Idle and absolute timeouts of signed-in sessions, per tenant (the published policy's
`sessions` section; the public host, which has no policy, keeps the defaults).

A session that has not been seen for `idle_minutes`, or began more than `absolute_hours` ago,
is signed out: a page is sent to /login/ with a sentence saying why, an API call made with the
session answers 401. Both moments are kept in the session itself
(apps.accounts.sessions.records), so the check costs no query; the tenant's limits are cached
for a minute and dropped when a policy is published."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext

from apps.accounts.sessions.records import SEEN_AT, SIGNED_IN_AT

from .session_section import LIMITS, SessionLimits, session_limits


def _may_have_ended(session: Any, now: float) -> bool:
    """Whether any policy could have ended the session by now (seen within the shortest idle
    limit and younger than the shortest absolute one: no limits need reading)."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    return (
        isinstance(seen_at, int | float) and now - seen_at > LIMITS["idle_minutes"][0] * 60
    ) or (
        isinstance(signed_in_at, int | float)
        and now - signed_in_at > LIMITS["absolute_hours"][0] * 3600
    )


def _ended_because(session: Any, limits: SessionLimits, now: float) -> str | None:
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if isinstance(seen_at, int | float) and now - seen_at > limits.idle_minutes * 60:
        return ngettext(
            "You were signed out after %(minutes)s minute without activity. Sign in again.",
            "You were signed out after %(minutes)s minutes without activity. Sign in again.",
            limits.idle_minutes,
        ) % {"minutes": limits.idle_minutes}
    if isinstance(signed_in_at, int | float) and now - signed_in_at > limits.absolute_hours * 3600:
        return ngettext(
            "Your session ended %(hours)s hour after you signed in. Sign in again.",
            "Your session ended %(hours)s hours after you signed in. Sign in again.",
            limits.absolute_hours,
        ) % {"hours": limits.absolute_hours}
    return None


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)  # no session to look into (a token, a visitor)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        if not _may_have_ended(request.session, now):
            return self.get_response(request)
        limits = session_limits(getattr(request, "tenant", None))
        text = _ended_because(request.session, limits, now)
        if text is None:
            return self.get_response(request)
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "session_expired", "detail": text}, status=401)
        messages.info(request, text)
        return redirect(f"/login/?{urlencode({'next': request.get_full_path()})}")
