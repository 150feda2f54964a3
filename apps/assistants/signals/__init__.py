"""Anomaly signals (docs/ai/anomaly.md): the supplier-behaviour score, an IsolationForest per
tenant whose high scores become exceptions for review through invoices' review hooks. The
statistical amount and the timing checks are invoices' own arrival checks."""

from __future__ import annotations


def register() -> None:
    """Called from AssistantsConfig.ready()."""
    from apps.invoices.review import on_invoice_arrival

    from . import tasks  # noqa: F401  (the nightly task, found by its module path)
    from .services import invoice_review

    on_invoice_arrival(invoice_review)
