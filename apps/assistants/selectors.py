"""What the assistants' advice came to: shown, followed and overridden per assistant, for
insights (acceptance rates) and the model cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from .models import Advice


def advice_acceptance(since: datetime, until: datetime) -> dict[str, dict[str, Any]]:
    """{assistant: {shown, followed, overridden, acceptance_rate}} for advice shown in
    [since, until); the rate is followed / decided, null when nothing was decided."""
    rows = (
        Advice.objects.filter(shown_at__gte=since, shown_at__lt=until)
        .values("assistant")
        .annotate(
            shown=Count("pk"),
            followed=Count("pk", filter=Q(status=Advice.Status.FOLLOWED)),
            overridden=Count("pk", filter=Q(status=Advice.Status.OVERRIDDEN)),
        )
    )
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        decided = row["followed"] + row["overridden"]
        out[row["assistant"]] = {
            "shown": row["shown"],
            "followed": row["followed"],
            "overridden": row["overridden"],
            "acceptance_rate": round(row["followed"] / decided, 4) if decided else None,
        }
    return out
