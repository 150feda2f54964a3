"""A spend-coding suggestion: the tenant's newest trained model (or the cold start built in
this process when it has none yet) reads the requisition's words and suggests a spend
category, a cost center and a selectable supplier, each with its confidence and the words
behind it. Reads only; the advice is stored by the caller (services.spend_suggest)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Max

from apps.contracts.models import CatalogItem, Contract
from apps.organization.models import CostCenter, SpendCategory
from apps.suppliers.selectors import suppliers_selectable
from apps.tenancy.context import current_schema

from ..store import model_latest
from .model import SpendModel, requisition_text
from .training import CONFIRMED, history_rows, model_build

ASSISTANT = "spend_coding"
# a cost center taken from the requester's habits, not from the words, is never sure enough
# to be pre-selected under the default threshold
HABIT_CONFIDENCE = 0.5
# below this a supplier is not worth naming
SUPPLIER_FLOOR = 0.25
# the cold start of a tenant without a trained model, per schema, rebuilt when its inputs
# change (or after COLD_TTL seconds)
COLD_TTL = 600.0
_cold: dict[str, tuple[tuple[Any, ...], float, SpendModel]] = {}
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
    model = model_build(history_rows())
    with _cold_lock:
        _cold[schema] = (fingerprint, time.monotonic(), model)
    return version_label(None, model), model


def cost_center_by_habit(model: SpendModel, requester_id: Any, category: str) -> dict[str, Any]:
    """The cost center this requester used most with this category (else anyone's with it,
    else the requester's usual one), with a moderate confidence: its share, at most
    HABIT_CONFIDENCE."""
    counts = model.cost_center_counts
    for key in (f"{requester_id}|{category}", f"*|{category}", f"{requester_id}|*", "*|*"):
        if counts.get(key):
            code, n = max(counts[key].items(), key=lambda kv: (kv[1], kv[0]))
            share = n / sum(counts[key].values())
            return {"code": code, "confidence": round(min(HABIT_CONFIDENCE, share), 4)}
    first = CostCenter.objects.filter(active=True).order_by("code").values_list("code").first()
    return {"code": first[0] if first else None, "confidence": 0.0}


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
    if center is not None:
        out["cost_center"] = {"code": center.label, "confidence": round(center.confidence, 4)}
        reasons["cost_center"] = center.reasons
    elif category is not None:
        out["cost_center"] = cost_center_by_habit(model, requester_id, category.label)
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
