"""The advice on one exception for one reader, put together from the facts (history), the
nearest decided cases (neighbours), what the reader may take (allowed), the sentences
(summary), the draft to the supplier (drafts) and who resolves such cases fastest (routing).
Reads only; apps.assistants.exceptions.services records what is shown."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.invoices.exception_codes import VARIANCE_CODES
from apps.invoices.models import InvoiceException
from apps.invoices.rules import may_work, variance_authority
from apps.organization.money import money_text

from . import summary
from .allowed import resolutions_allowed
from .drafts import draft_message
from .history import (
    Case,
    case_of,
    cases_of,
    decided_cases,
    people,
    supplier_year,
    supplier_years,
    tolerance_of,
)
from .neighbours import MODEL, nearest, suggest
from .routing import recommend, routing_output


@dataclass(frozen=True)
class Facts:
    """What every reader's advice on the exception is read from."""

    case: Case
    history: list[Case]
    neighbours: list[Any]
    year: dict[str, int]
    users: dict[int, User]


def facts_of(exception: InvoiceException) -> Facts:
    case = case_of(exception)
    history = decided_cases(case.code, exclude=case.id)
    neighbours = nearest(case, history)
    return Facts(
        case=case,
        history=history,
        neighbours=neighbours,
        year=supplier_year(case),
        users=people({n.case.decided_by for n in neighbours if n.case.decided_by}),
    )


def _authority_note(exception: InvoiceException, user: User, top: str | None) -> str:
    """Why the reader may not follow the cases: their variance authority, when it is that."""
    if top not in ("accept_variance", "override") or exception.code not in VARIANCE_CODES:
        return ""
    if not may_work(user, exception.queue):
        return ""
    authority = variance_authority(user)
    if exception.variance_amount <= authority:
        return ""
    return _(": the variance of %(amount)s is above your authority of %(limit)s") % {
        "amount": money_text(exception.variance_amount, exception.invoice.currency),
        "limit": money_text(authority, exception.invoice.currency),
    }


def advise(
    exception: InvoiceException, user: User, *, threshold: float, facts: Facts | None = None
) -> dict[str, Any]:
    """The advice as shown and stored: sentences, the suggestion for this reader, the similar
    cases, the draft to the supplier."""
    f = facts or facts_of(exception)
    case = f.case
    decided = exception.status == InvoiceException.Status.RESOLVED
    allowed = [] if decided else resolutions_allowed(exception, user)
    s = suggest(f.neighbours, allowed, history=len(f.history), threshold=threshold)
    sentences = [
        summary.what_differs(case, exception.detail),
        summary.tolerance(case, tolerance_of(exception, case)),
        summary.supplier_history(case, f.year),
        summary.similar_cases(case, f.neighbours, f.users),
    ]
    if not decided:
        note = _authority_note(exception, user, s.top)
        sentences.append(
            summary.suggestion(s, history=len(f.history), threshold=threshold, authority=note)
        )
    sentences = [text for text in sentences if text]
    similar = [
        {
            "id": str(n.case.id),
            "resolution": n.case.resolution,
            "decided_by": summary.person(f.users.get(n.case.decided_by or 0)),
            "supplier": n.case.supplier_name,
            "invoice_number": n.case.invoice_number,
            "percent": None if n.case.percent is None else round(n.case.percent, 1),
            "amount": n.case.amount,
            "currency": n.case.currency,
            "distance": round(n.distance, 3),
        }
        for n in f.neighbours
    ]
    return {
        "summary": " ".join(sentences),
        "sentences": sentences,
        "suggested_resolution": s.resolution,
        "confidence": s.confidence,
        "reason": s.reason,
        "threshold": threshold,
        "allowed": allowed,
        "similar": similar,
        "draft": None if decided else draft_message(case, exception, s.resolution, allowed),
        "model": MODEL,
    }


def summary_line(exception: InvoiceException, facts: Facts | None = None) -> str:
    """The case in one line for an escalation notice (no reader: no suggestion)."""
    f = facts or facts_of(exception)
    parts = [summary.short_differs(f.case) + "."]
    if count := sum(f.year.values()):
        parts.append(
            _("%(supplier)s: %(count)s more in twelve months.")
            % {"supplier": f.case.supplier_name, "count": count}
        )
    if f.neighbours:
        top, n = Counter(x.case.resolution for x in f.neighbours).most_common(1)[0]
        parts.append(
            _("Similar cases: %(n)s of %(of)s %(resolution)s.")
            % {"n": n, "of": len(f.neighbours), "resolution": summary.label(top).lower()}
        )
    return " ".join(parts)


def summary_lines(exceptions: list[InvoiceException]) -> dict[Any, tuple[str, Facts]]:
    """{exception id: (its line, the facts read)} for a batch of escalated exceptions, in a
    number of queries that grows with the codes among them, not with the batch."""
    cases = cases_of([e.pk for e in exceptions])
    histories = {code: decided_cases(code) for code in sorted({c.code for c in cases.values()})}
    years = supplier_years(list(cases.values()))
    out = {}
    for exception in exceptions:
        case = cases[exception.pk]
        history = [h for h in histories[case.code] if h.id != case.id]
        facts = Facts(case, history, nearest(case, history), years[case.id], {})
        out[exception.pk] = (summary_line(exception, facts), facts)
    return out


def route(exception: InvoiceException, facts: Facts) -> tuple[dict[str, Any] | None, float]:
    """Who to hand the exception to (routing's output) and the confidence, or (None, 0)."""
    if exception.status == InvoiceException.Status.RESOLVED:
        return None, 0.0
    rec, _people = recommend(exception.queue, facts.history)
    if rec is None:
        return None, 0.0
    return routing_output(rec, exception.assignee_id), rec.confidence
