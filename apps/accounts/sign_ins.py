"""Ending what a person is signed in with: their API tokens and their browser sessions (in the
schema the request runs in). Steps of the services that audit why (a partner user removed, an
authenticator set up)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.utils import timezone

from .models import UserSession


def api_tokens_end(user: Any) -> int:
    """Delete the person's API tokens (DRF's, looked up by name: services know no HTTP)."""
    token = apps.get_model("authtoken", "Token")
    return int(token.objects.filter(user=user).delete()[0])


def sessions_end(user: Any) -> int:
    """Delete the person's live sessions. Sessions are keyed by an opaque id, so each live one
    is read; the public schema holds only partner and platform people's sessions (few)."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.session_key)
    UserSession.objects.filter(user=user).delete()  # their records (accounts.sessions)
    return int(Session.objects.filter(session_key__in=ended).delete()[0])
