from __future__ import annotations

from django.db.models import QuerySet

from .models import Alert

OPEN_SHOWN = 50  # the newest open alerts a page lists


def alerts_open() -> QuerySet[Alert]:
    """The open alerts, newest first, at most `OPEN_SHOWN` (one query)."""
    return Alert.objects.filter(status=Alert.Status.OPEN).order_by("-raised_at", "-pk")[:OPEN_SHOWN]
