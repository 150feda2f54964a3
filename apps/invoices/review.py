"""Review hooks: what a context above invoices (the anomaly assistant) finds unusual about an
invoice on arrival. Each hook returns review signals; the arrival checks turn them into
`behaviour_anomaly` exceptions for review, which hold nothing (REVIEW_CODES): a hook never
writes an exception, never blocks a payment, and a hook that fails is logged and skipped, so
intake never depends on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.db import transaction

from apps.controls.registries import HookRegistry

from .models import Invoice

log = structlog.get_logger("spendgate.invoices")


@dataclass(frozen=True)
class ReviewSignal:
    """One reason to look at an invoice: a sentence for AP and its figures."""

    detail: str
    data: dict[str, Any] = field(default_factory=dict)


ReviewHook = Callable[[Invoice, dict[str, Any]], list[ReviewSignal]]

_review_hooks = HookRegistry[ReviewHook](
    "invoices.review.on_invoice_arrival",
    "the anomaly assistant scores an arriving invoice; a high score is an exception for review",
)


def on_invoice_arrival(hook: ReviewHook) -> None:
    """Later contexts score an invoice as it arrives, given the invoice (stored, with its
    lines) and the published policy document: registered in their AppConfig.ready()."""
    if hook not in _review_hooks:
        _review_hooks.append(hook)


def review_signals(invoice: Invoice, document: dict[str, Any]) -> list[ReviewSignal]:
    signals: list[ReviewSignal] = []
    for hook in _review_hooks:
        try:
            with transaction.atomic():  # a savepoint: a failed query leaves intake's intact
                signals.extend(hook(invoice, document))
        except Exception:  # an advisor's failure never stops an invoice from arriving
            log.exception("review_hook_failed", hook=hook.__qualname__, invoice=str(invoice.pk))
    return signals
