"""Nearest decided cases and their weighted vote: deterministic, no training, read from the
tenant's own history each time (docs/ai/exception_advice.md).

The distance between two exceptions of the same code adds, each at most its weight: another
supplier, another spend category, the variance percentage apart (scaled by 10 points) and the
variance amount apart (in orders of magnitude). A neighbour's vote weighs 1 / (1 + distance);
the confidence of a resolution is the weighted share of the neighbours that took it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .history import Case

MODEL = "exception_advice/knn-v1"
NEIGHBOURS = 7  # how many decided cases vote
HISTORY_FLOOR = 3  # fewer decided cases of the code than this: no suggestion
WEIGHTS = {"supplier": 1.0, "category": 0.5, "percent": 0.8, "amount": 0.6}
PERCENT_SCALE = 10.0


@dataclass(frozen=True)
class Neighbour:
    case: Case
    distance: float

    @property
    def weight(self) -> float:
        return 1.0 / (1.0 + self.distance)


def distance(a: Case, b: Case) -> float:
    d = WEIGHTS["supplier"] * (a.supplier_id != b.supplier_id)
    d += WEIGHTS["category"] * (a.category != b.category)
    if a.percent is not None and b.percent is not None:
        d += WEIGHTS["percent"] * min(abs(a.percent - b.percent) / PERCENT_SCALE, 1.0)
    elif (a.percent is None) != (b.percent is None):
        d += WEIGHTS["percent"]
    apart = abs(math.log10(1 + abs(a.amount)) - math.log10(1 + abs(b.amount)))
    return d + WEIGHTS["amount"] * min(apart, 1.0)


def nearest(case: Case, history: Iterable[Case], k: int = NEIGHBOURS) -> list[Neighbour]:
    """The k nearest decided cases; ties go to the newer case, then the id (deterministic)."""
    scored = [Neighbour(h, round(distance(case, h), 9)) for h in history if h.id != case.id]
    scored.sort(key=lambda n: (n.distance, -n.case.created_at.timestamp(), str(n.case.id)))
    return scored[:k]


def vote(neighbours: Sequence[Neighbour]) -> dict[str, float]:
    """{resolution: weighted share}, largest first (ties by name)."""
    total = sum(n.weight for n in neighbours)
    if not total:
        return {}
    shares: dict[str, float] = {}
    for n in neighbours:
        shares[n.case.resolution] = shares.get(n.case.resolution, 0.0) + n.weight / total
    return dict(sorted(shares.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class Suggestion:
    """What the vote says for one reader: the best resolution they may take (or None), its
    confidence, the best overall when they may not take it, and why there is none."""

    resolution: str | None
    confidence: float | None
    top: str | None  # the resolution most neighbours took, whoever may take it
    top_share: float | None
    top_allowed: bool
    reason: str  # "ok" | "too_little_history" | "below_threshold" | "none_allowed"


def suggest(
    neighbours: Sequence[Neighbour], allowed: Sequence[str], *, history: int, threshold: float
) -> Suggestion:
    if history < HISTORY_FLOOR or not neighbours:
        return Suggestion(None, None, None, None, False, "too_little_history")
    shares = vote(neighbours)
    top, top_share = next(iter(shares.items()))
    top_share, top_allowed = round(top_share, 4), top in allowed
    mine = [(r, s) for r, s in shares.items() if r in allowed]
    if not mine:
        return Suggestion(None, None, top, top_share, top_allowed, "none_allowed")
    best, share = mine[0]
    if share < threshold:
        return Suggestion(None, round(share, 4), top, top_share, top_allowed, "below_threshold")
    return Suggestion(best, round(share, 4), top, top_share, top_allowed, "ok")
