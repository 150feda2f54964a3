"""Exception advice handed to accounts payable through its registry
(apps.invoices.advice.register_exception_advisor), from AssistantsConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from apps.invoices.advice import ExceptionAdvisor, register_exception_advisor
from apps.invoices.models import InvoiceException

from ..models import Assistant
from ..services import assistant_enabled
from .services import exception_advice_api, exception_advice_decided, exception_summary_notices


def advice_panel_url(exception: InvoiceException) -> str | None:
    """The exception page's assistant panel (HTMX), none when the assistant is off."""
    if not assistant_enabled(Assistant.EXCEPTION_ADVICE):
        return None
    return reverse("exception-advice-panel", kwargs={"exception_id": exception.pk})


def register() -> None:
    register_exception_advisor(
        "exception_advice",
        ExceptionAdvisor(
            advice=exception_advice_api,
            panel_url=advice_panel_url,
            summary_lines=exception_summary_notices,
            on_resolved=exception_advice_decided,
        ),
    )
