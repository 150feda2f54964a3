"""Trained models per tenant: saved by a training job as a new version, loaded once per
process and version (the newest version is the one in use). Nothing is fetched from
outside; a tenant without a trained model gets the assistant's cold start."""

from __future__ import annotations

import io
import threading
from typing import Any

import joblib
from django.utils import timezone

from apps.tenancy.context import current_schema

from .models import TrainedModel

_cache: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}
_lock = threading.Lock()


def model_save(
    assistant: str, model: Any, *, samples: int, metrics: dict[str, Any]
) -> TrainedModel:
    """Store `model` as the assistant's next version in this tenant."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    latest = TrainedModel.objects.filter(assistant=assistant).order_by("-version").first()
    return TrainedModel.objects.create(
        assistant=assistant,
        version=(latest.version + 1) if latest else 1,
        trained_at=timezone.now(),
        samples=samples,
        metrics=metrics,
        blob=buffer.getvalue(),
    )


def model_latest(assistant: str) -> tuple[int, Any] | None:
    """(version, model) of the tenant's newest trained model, or None; loaded once per
    process and stored row (a version number alone is not enough: a schema made again, or a
    training rolled back, numbers its next model alike)."""
    row = (
        TrainedModel.objects.filter(assistant=assistant)
        .order_by("-version")
        .values_list("pk", "version", "trained_at")
        .first()
    )
    if row is None:
        return None
    pk, version, trained_at = row
    key, stamp = (current_schema(), assistant), (pk, version, trained_at)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return version, cached[1]
    blob = TrainedModel.objects.only("blob").get(pk=pk).blob
    model = joblib.load(io.BytesIO(bytes(blob)))
    with _lock:
        _cache[key] = (stamp, model)
    return version, model
