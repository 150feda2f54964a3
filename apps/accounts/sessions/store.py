"""The session engine (SESSION_ENGINE): Django's database sessions, whose key, when cycled
(at sign-in, after the second step), moves the session's record along with it, so the list
and the revocation keep pointing at the live session."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def cycle_key(self) -> None:
        old = self.session_key
        super().cycle_key()
        if old and self.session_key and self.session_key != old:
            from ..models import UserSession

            UserSession.objects.filter(session_key=old).update(session_key=self.session_key)
