"""Keeping the session records: the sign-in receiver, the sign-out receiver, and the
middleware that notes when a session was last seen (at most once a minute, so a page costs
no write in between). The session itself carries when it began and was last seen
(`SIGNED_IN_AT`, `SEEN_AT`, seconds since the epoch): the timeout middleware reads them
without a query (apps.policies.session_timeouts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from ..models import UserSession

SIGNED_IN_AT = "spendgate_signed_in_at"
SEEN_AT = "spendgate_seen_at"
SEEN_EVERY = 60  # seconds between two writes of "last seen"


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _address(request: HttpRequest) -> str | None:
    address = str(request.META.get("REMOTE_ADDR") or "").strip()
    return address or None


def session_record(request: HttpRequest, user: Any) -> UserSession | None:
    """Record the session `user` just signed in with (the `user_logged_in` receiver)."""
    session = getattr(request, "session", None)
    if session is None or getattr(user, "is_service_account", False):
        return None
    if session.session_key is None:
        session.save()
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    record, _created = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "user_agent": str(request.META.get("HTTP_USER_AGENT") or "")[:300],
            "ip_address": _address(request),
            "signed_in_at": _at(now),
            "last_seen_at": _at(now),
        },
    )
    return record


def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        session_record(request, user)


def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


class SessionSeenMiddleware:
    """Notes when a signed-in session was last seen, at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            self._seen(request, user)
        return self.get_response(request)

    def _seen(self, request: HttpRequest, user: Any) -> None:
        session = request.session
        now = time.time()
        seen = session.get(SEEN_AT)
        if isinstance(seen, int | float) and now - seen < SEEN_EVERY:
            return
        session[SEEN_AT] = now
        session.setdefault(SIGNED_IN_AT, now)  # a session from before records were kept
        key = session.session_key
        if key and not UserSession.objects.filter(session_key=key).update(last_seen_at=_at(now)):
            session_record_missing(request, user, signed_in_at=session[SIGNED_IN_AT])


def session_record_missing(request: HttpRequest, user: Any, *, signed_in_at: float) -> None:
    UserSession.objects.get_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "user_agent": str(request.META.get("HTTP_USER_AGENT") or "")[:300],
            "ip_address": _address(request),
            "signed_in_at": _at(signed_in_at),
            "last_seen_at": _at(time.time()),
        },
    )
