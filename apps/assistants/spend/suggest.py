"""A spend-coding suggestion: the tenant's newest trained model (or the cold start built in
this process when it has none yet) reads the requisition's words and suggests a spend
category, a cost center and a selectable supplier, each with its confidence and the words
behind it. Reads only; the advice is stored by the caller (services.spend_suggest)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Max

from apps.contracts.models import CatalogItem, Contract
from apps.organization.models import CostCenter, SpendCategory
from apps.suppliers.selectors import suppliers_selectable
from apps.tenancy.background import send_on_commit
from apps.tenancy.context import current_schema

from ..store import model_latest
from .model import Prediction, SpendModel, requisition_text
from .training import CONFIRMED, history_rows, model_build

ASSISTANT = "spend_coding"
# a cost center taken from the requester's habits, not from the words, is never sure enough
# to be pre-selected under the default threshold
HABIT_CONFIDENCE = 0.5
# the history at which the words' cost center counts as much as the category's habit
WORDS_HALF = 200
# how many requisitions of history the department vocabulary (training.seed_documents) is
# worth when the words' cost center is weighed against the habit: with no history, half and
# half (chosen on the labelled set, (b) and its cross-validation, among 0 to 1,000)
VOCABULARY = 200
# below this a supplier is not worth naming
SUPPLIER_FLOOR = 0.25
# the cold start of a tenant without a trained model, per schema, rebuilt when its inputs
# change (or after COLD_TTL seconds)
COLD_TTL = 600.0
_cold: dict[str, tuple[tuple[Any, ...], float, SpendModel]] = {}
# at most this many requisitions of history feed a cold start built inside a request
COLD_HISTORY = 1000
_asked: set[str] = set()  # schemas whose training this process asked a worker for
_cold_lock = threading.Lock()


def version_label(version: int | None, model: SpendModel) -> str:
    if version is None:
        return f"{ASSISTANT}:cold-start"
    kind = "tenant-trained" if model.kind == "tenant" else "cold start"
    return f"{ASSISTANT}:v{version} ({kind}, {model.samples:,} requisitions)"


def _cold_fingerprint() -> tuple[Any, ...]:
    from apps.procurement.models import Requisition

    history = Requisition.objects.filter(status__in=CONFIRMED).aggregate(
        n=Count("pk"), last=Max("created_at")
    )
    return (
        history["n"],
        history["last"],
        CatalogItem.objects.count(),
        Contract.objects.count(),
        tuple(SpendCategory.objects.filter(active=True).values_list("code", "name")),
    )


def model_in_use() -> tuple[str, SpendModel]:
    """(version label, model): the newest trained one, else this process's cold start."""
    latest = model_latest(ASSISTANT)
    if latest is not None:
        return version_label(latest[0], latest[1]), latest[1]
    schema, fingerprint = current_schema(), _cold_fingerprint()
    with _cold_lock:
        cached = _cold.get(schema)
    if cached and cached[0] == fingerprint and time.monotonic() - cached[1] < COLD_TTL:
        return version_label(None, cached[2]), cached[2]
    # in a request: the cold start on the latest history only, and a full training asked of
    # a worker (once per process) where the tenant has history enough to train on
    model = model_build(history_rows(latest=COLD_HISTORY))
    with _cold_lock:
        _cold[schema] = (fingerprint, time.monotonic(), model)
        ask = model.kind == "tenant" and schema not in _asked
        _asked.add(schema)
    if ask:
        send_on_commit("apps.assistants.spend.tasks.spend_model_retrain_task")
    return version_label(None, model), model


def _habit(model: SpendModel, requester_id: Any, category: str) -> dict[str, float]:
    """Cost centers by share among the requisitions of this requester in this category
    (else anyone's in it, else the requester's, else everyone's)."""
    counts = model.cost_center_counts
    for key in (f"{requester_id}|{category}", f"*|{category}", f"{requester_id}|*", "*|*"):
        if counts.get(key):
            total = sum(counts[key].values())
            return {code: n / total for code, n in counts[key].items()}
    return {}


def cost_center_for(
    model: SpendModel,
    requester_id: Any,
    category: Prediction | None,
    words: Prediction | None,
) -> tuple[dict[str, Any] | None, str]:
    """({code, confidence}, basis): a cost center follows the category (the cost centers used
    with each likely category, weighed by its probability), mixed with the one the words
    suggest (trained on the department vocabulary and the tenant's history), the more so the
    longer that history (counting the vocabulary as VOCABULARY requisitions; WORDS_HALF: half
    and half). Without it, the habit alone is never surer than HABIT_CONFIDENCE. Basis:
    "words" or "habit"."""
    shares: dict[str, float] = defaultdict(float)
    for code, probability in category.ranked if category else []:
        for center, share in _habit(model, requester_id, code).items():
            shares[center] += probability * share
    if words is not None:
        weight = (model.samples + VOCABULARY) / (model.samples + VOCABULARY + WORDS_HALF)
        merged: dict[str, float] = defaultdict(float)
        for center, probability in words.ranked:
            merged[center] += probability * weight
        for center, share in shares.items():
            merged[center] += share * (1 - weight)
        best = max(merged.items(), key=lambda kv: (kv[1], kv[0]))
        return {"code": best[0], "confidence": round(best[1], 4)}, "words"
    if shares:
        best = max(shares.items(), key=lambda kv: (kv[1], kv[0]))
        return {"code": best[0], "confidence": round(min(HABIT_CONFIDENCE, best[1]), 4)}, "habit"
    first = CostCenter.objects.filter(active=True).order_by("code").values_list("code").first()
    return ({"code": first[0], "confidence": 0.0} if first else None), "habit"


def _supplier(ranked: list[tuple[str, float]]) -> tuple[dict[str, Any] | None, str | None]:
    """The likeliest supplier that may be bought from (suppliers_selectable): a blocked,
    sanctioned or onboarding one is never suggested."""
    candidates = [(pk, p) for pk, p in ranked[:8] if p >= SUPPLIER_FLOOR]
    if not candidates:
        return None, None
    names = dict(
        suppliers_selectable()
        .filter(pk__in=[pk for pk, _p in candidates])
        .values_list("pk", "name")
    )
    for pk, probability in candidates:
        for key, name in names.items():
            if str(key) == pk:
                return {"id": pk, "name": name, "confidence": round(probability, 4)}, pk
    return None, None


def suggestion(
    *, requester_id: Any, title: str, justification: str = "", lines: Sequence[str] = ()
) -> dict[str, Any]:
    """{spend_category, cost_center, supplier, model, reasons}: what the model suggests for
    this text (CONTRACT §3 `requisitions/suggest/`)."""
    version, model = model_in_use()
    text = requisition_text(title, justification, lines)
    predicted = model.predict(text, ("spend_category", "cost_center", "supplier"))
    category = predicted["spend_category"]
    reasons: dict[str, list[str]] = {"spend_category": [], "cost_center": [], "supplier": []}
    out: dict[str, Any] = {"spend_category": None, "cost_center": None, "supplier": None}
    if category is not None:
        out["spend_category"] = {
            "code": category.label,
            "confidence": round(category.confidence, 4),
        }
        reasons["spend_category"] = category.reasons
    center = predicted["cost_center"]
    out["cost_center"], _basis = cost_center_for(model, requester_id, category, center)
    if center is not None and out["cost_center"] and center.label == out["cost_center"]["code"]:
        reasons["cost_center"] = center.reasons
    supplier = predicted["supplier"]
    if supplier is not None:
        out["supplier"], chosen = _supplier(supplier.ranked)
        if chosen is not None:
            reasons["supplier"] = (
                supplier.reasons
                if chosen == supplier.label
                else model.explain(text, "supplier", chosen)
            )
    out["model"] = version
    out["reasons"] = reasons
    return out
