"""Who to hand an exception to, where the policy leaves a choice (docs/ai/routing.md).

An exception belongs to a queue that several people may work (apps.invoices.rules.may_work);
approval steps leave none (every approver of a step's role gets a task). Among the people
who may work the queue now, the one whose last decided cases of the same code took the fewest
hours (median of their last N, at least MIN_CASES of them) is recommended. The confidence is
the share of that person's cases decided faster than the median of everyone else's. Advice
only: nobody is assigned by it."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from django.db.models import Q

from apps.accounts.models import User
from apps.invoices.exception_codes import QUEUES

from .history import Case
from .summary import person

MODEL = "routing/median-hours-v1"
LAST_CASES = 10  # the person's last N decided cases of the code
MIN_CASES = 3


def _capability(perm: str) -> Q:
    app, codename = perm.split(".")
    return Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app
    ) | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app)


def queue_people(queue: str) -> list[User]:
    """The active people who may work `queue`, as apps.invoices.rules.may_work decides, in one
    query: the queue's capability (for compliance only that), else AP's too."""
    perms = [QUEUES[queue][0]]
    if queue != "compliance":
        perms.append("accounts.process_invoices")
    who = Q(is_superuser=True)
    for perm in perms:
        who |= _capability(perm)
    return list(User.objects.filter(who, is_active=True).distinct().order_by("pk"))


@dataclass(frozen=True)
class Recommendation:
    user: User
    median_hours: float
    cases: int
    confidence: float
    others_median_hours: float


def recommend(queue: str, history: list[Case]) -> tuple[Recommendation | None, int]:
    """(the recommended person or None, how many people may work the queue). `history` is
    newest first."""
    candidates = {u.pk: u for u in queue_people(queue)}
    if len(candidates) < 2:
        return None, len(candidates)
    hours: dict[int, list[float]] = {}
    for case in history:
        if case.decided_by is None or case.hours is None:
            continue
        mine = hours.setdefault(case.decided_by, [])
        if len(mine) < LAST_CASES:
            mine.append(case.hours)
    medians = {pk: median(h) for pk, h in hours.items() if pk in candidates and len(h) >= MIN_CASES}
    if not medians:
        return None, len(candidates)
    best = min(medians, key=lambda pk: (medians[pk], pk))
    others = [h for pk, hs in hours.items() if pk != best for h in hs]
    if not others:
        return None, len(candidates)
    reference = median(others)
    faster = sum(1 for h in hours[best] if h < reference) / len(hours[best])
    return (
        Recommendation(
            user=candidates[best],
            median_hours=round(medians[best], 1),
            cases=len(hours[best]),
            confidence=round(faster, 4),
            others_median_hours=round(reference, 1),
        ),
        len(candidates),
    )


def routing_output(rec: Recommendation, assignee_id: Any) -> dict[str, Any]:
    return {
        "recommended": {
            "id": rec.user.pk,
            "email": rec.user.email,
            "name": person(rec.user),
        },
        "median_hours": rec.median_hours,
        "cases": rec.cases,
        "others_median_hours": rec.others_median_hours,
        "already_assigned": assignee_id == rec.user.pk,
        "model": MODEL,
    }
