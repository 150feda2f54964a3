"""The supplier-behaviour score: an IsolationForest (fixed seed) per tenant over the features
of its invoices (features.py), retrained nightly. The score is the forest's anomaly score
s(x) = 2^(-E[h(x)] / c(n)) of Liu et al., in 0..1 (about 0.5 is ordinary, near 1 isolated at
once); above the policy's threshold (`assistants.anomaly.threshold`) it raises an exception for
review with its reasons: the features beyond the 5th or 95th percentile of the tenant's own
invoices. Below 200 invoices there is no model and no score (cold start)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from .features import DIRECTION, FEATURES, Facts

MIN_SAMPLES = 200
SEED = 0
TREES = 200


@dataclass(frozen=True)
class Scored:
    score: float
    reasons: list[dict[str, Any]]  # [{feature, value, text}]


def fit(vectors: list[list[float]]) -> dict[str, Any]:
    """The model bundle: the forest and each feature's 5th and 95th percentile."""
    from sklearn.ensemble import IsolationForest  # loaded to train, not when Django starts

    data = np.asarray(vectors, dtype=float)
    forest = IsolationForest(n_estimators=TREES, random_state=SEED).fit(data)
    return {
        "forest": forest,
        "features": list(FEATURES),
        "low": np.percentile(data, 5, axis=0).tolist(),
        "high": np.percentile(data, 95, axis=0).tolist(),
    }


def score(bundle: dict[str, Any], facts: Facts) -> Scored:
    vector = facts.vector()
    s = float(-bundle["forest"].score_samples(np.asarray([vector], dtype=float))[0])
    return Scored(round(s, 4), reasons(bundle, facts, vector))


def reasons(bundle: dict[str, Any], facts: Facts, vector: list[float]) -> list[dict[str, Any]]:
    """The features beyond the tenant's usual range, in words."""
    out = []
    for i, name in enumerate(bundle["features"]):
        value = vector[i]
        unusual = (
            value < bundle["low"][i] if DIRECTION[name] == "low" else value > bundle["high"][i]
        )
        if unusual:
            out.append({"feature": name, "value": round(value, 3), "text": _reason(name, facts)})
    return out


def _reason(name: str, facts: Facts) -> str:
    if name == "supplier_age_days":
        return _("a new supplier: approved %s days before the invoice") % facts.supplier_age_days
    if name == "bank_change_days":
        return _("bank details changed %s days before the invoice") % facts.bank_change_days
    if name == "amount_jump":
        return _("the amount is %sx the supplier's median") % f"{facts.ratio or 0:.1f}"
    if name == "round_amount":
        return _("a round amount (%s)") % facts.total
    return _("arrived at an unusual hour (%s:00)") % f"{facts.hour:02d}"
