"""The nightly retraining of the supplier-behaviour model, fanned out to every tenant by beat."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task
def retrain_anomaly_model() -> dict[str, Any]:
    from .services import anomaly_train

    return anomaly_train()
