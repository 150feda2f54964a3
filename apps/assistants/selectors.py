"""What the assistants' advice came to: shown, followed and overridden per assistant, for
insights (acceptance rates) and the model cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from .models import Advice, TrainedModel


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


def models_in_use() -> dict[str, TrainedModel]:
    """{assistant: its newest trained model} (without the model's bytes)."""
    newest = TrainedModel.objects.values("assistant").annotate(version=Max("version"))
    wanted = Q(pk__in=[])
    for row in newest:
        wanted |= Q(assistant=row["assistant"], version=row["version"])
    rows = TrainedModel.objects.filter(wanted).defer("blob")
    return {row.assistant: row for row in rows}


def advice_shown(assistant: str | None = None) -> QuerySet[Advice]:
    """Advice as it was shown, newest first, with who saw it and who decided."""
    rows = Advice.objects.select_related("shown_to", "outcome_by").order_by("-shown_at", "pk")
    return rows.filter(assistant=assistant) if assistant else rows
