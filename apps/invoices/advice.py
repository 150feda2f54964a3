"""Advice on an exception from a context above invoices (the AI assistants, docs/ai.md): the
exception page's panel, the `advice` of `exceptions/{id}/`, the one line an escalation notice
carries, and what happened to the advice once a person resolved the exception. Invoices owns
the registry and never imports its advisor; without one registered every answer is empty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.controls.registries import KeyedRegistry

from .models import InvoiceException


@dataclass(frozen=True)
class ExceptionAdvisor:
    # the API's `advice` for this person ({summary, suggested_resolution, confidence,
    # similar, model}) or None when there is nothing to say; records that it was shown
    advice: Callable[[InvoiceException, User], dict[str, Any] | None]
    # the URL the exception page loads its advice panel from (HTMX), or None for no panel
    panel_url: Callable[[InvoiceException], str | None]
    # {exception id: one plain line} for a batch's escalation notices (records them as shown
    # to nobody); its queries must not grow with the batch (the SLA sweep's query count)
    summary_lines: Callable[[list[InvoiceException]], dict[Any, str]]
    # a person took `resolution` on the exception (run after the commit; never fails it)
    on_resolved: Callable[[Any, str, Any], object]


_advisors = KeyedRegistry[ExceptionAdvisor](
    "invoices.advice.register_exception_advisor",
    "advice on an exception: its page's panel, its API, escalation notices, outcomes",
)


def register_exception_advisor(name: str, advisor: ExceptionAdvisor) -> None:
    _advisors[name] = advisor


def exception_advice(exception: InvoiceException, user: User) -> dict[str, Any] | None:
    for advisor in _advisors.values():
        if (advice := advisor.advice(exception, user)) is not None:
            return advice
    return None


def exception_advice_panel(exception: InvoiceException) -> str | None:
    for advisor in _advisors.values():
        if url := advisor.panel_url(exception):
            return url
    return None


def exception_summary_lines(exceptions: list[InvoiceException]) -> dict[Any, str]:
    lines: dict[Any, str] = {}
    for advisor in _advisors.values():
        for pk, line in advisor.summary_lines(exceptions).items():
            lines.setdefault(pk, line)
    return lines


def exception_decided(exception_id: Any, resolution: str, actor: Any) -> None:
    """Tell the advisors, once the resolution is committed, what the person decided."""
    for advisor in _advisors.values():
        hook = advisor.on_resolved
        transaction.on_commit(
            lambda hook=hook: hook(exception_id, resolution, actor),  # type: ignore[misc]
            robust=True,
        )
