"""Trained models per tenant: saved by a training job as a new version, loaded once per
process and version (the newest version is the one in use). Nothing is fetched from
outside; a tenant without a trained model gets the assistant's cold start."""

from __future__ import annotations

import io
import threading
from typing import Any

import joblib
import structlog
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from apps.tenancy.context import current_schema

from .models import TrainedModel

log = structlog.get_logger("spendgate.assistants")
_cache: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}
_lock = threading.Lock()


def model_save(
    assistant: str, model: Any, *, samples: int, metrics: dict[str, Any]
) -> TrainedModel:
    """Store `model` as the assistant's next version in this tenant."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    blob = buffer.getvalue()
    latest = TrainedModel.objects.filter(assistant=assistant).order_by("-version").first()
    return TrainedModel.objects.create(
        assistant=assistant,
        version=(latest.version + 1) if latest else 1,
        trained_at=timezone.now(),
        samples=samples,
        metrics=metrics,
        blob=blob,
        signature=_signature(blob),
    )


def model_latest(assistant: str) -> tuple[int, Any] | None:
    """(version, model) of the tenant's newest trained model, or None; loaded once per
    process and stored row (a version number alone is not enough: a schema made again, or a
    training rolled back, numbers its next model alike)."""
    row = (
        TrainedModel.objects.filter(assistant=assistant)
        .order_by("-version")
        .values_list("pk", "version", "trained_at", "signature")
        .first()
    )
    if row is None:
        return None
    pk, version = row[0], row[1]
    key, stamp = (current_schema(), assistant), row
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return version, cached[1]
    stored = TrainedModel.objects.only("blob", "signature").get(pk=pk)
    blob = bytes(stored.blob)
    if not constant_time_compare(stored.signature, _signature(blob)):
        log.warning("trained_model_signature_mismatch", assistant=assistant, version=version)
        return None  # the assistant falls back to its cold start until the next training
    model = joblib.load(io.BytesIO(blob))
    with _lock:
        _cache[key] = (stamp, model)
    return version, model


def _signature(blob: bytes) -> str:
    return salted_hmac("spendgate.assistants.trained-model", blob, algorithm="sha256").hexdigest()
