"""Reading a person's live sessions, and saying what browser each is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.models import Session
from django.utils import timezone

from ..models import UserSession


def live_sessions(user: Any) -> list[UserSession]:
    """The person's sessions that have not ended, latest seen first (one query)."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return list(UserSession.objects.filter(user=user, session_key__in=live))


_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|HeadlessChrome/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)


def browser_label(user_agent: str) -> str:
    """ "Firefox on Linux" from a User-Agent header; "Unknown browser" for what says nothing."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


@dataclass(frozen=True)
class SessionRow:
    record: UserSession
    browser: str
    current: bool


def session_rows(user: Any, current_key: str | None) -> list[SessionRow]:
    return [
        SessionRow(r, browser_label(r.user_agent), r.session_key == current_key)
        for r in live_sessions(user)
    ]
