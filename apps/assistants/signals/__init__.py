"""Anomaly signals (docs/ai/anomaly.md): the supplier-behaviour score, an IsolationForest per
tenant whose high scores become exceptions for review through invoices' review hooks. The
statistical amount and the timing checks are invoices' own arrival checks."""

from __future__ import annotations


def register() -> None:
    """Called from AssistantsConfig.ready()."""
    from importlib import import_module

    from apps.invoices.review import on_invoice_arrival

    from . import outcomes
    from .services import invoice_review

    import_module("apps.assistants.signals.tasks")  # the nightly task, registered with Celery

    on_invoice_arrival(invoice_review)
    outcomes.register()
