"""Showing exception advice and what came of it: every piece shown (page, API, escalation
notice) is recorded with advice_record; once a person decides the exception, the advice shown
on it is marked followed or overridden. Nothing here changes an exception or writes to a
supplier: a person resolves, and a person sends."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.invoices.models import InvoiceException

from ..models import Advice, Assistant
from ..services import advice_outcome, advice_record, assistant_setting, inputs_digest
from .advisor import Facts, advise, facts_of, route, summary_lines

EXCEPTION = "exception"
SUMMARY_MODEL = "exception_advice/summary-v1"
# who records a routing outcome: the system, on the decision of whoever resolved
ROUTING_RECORDER = "system:routing"


def _inputs(exception: InvoiceException, facts: Facts, user: User | None) -> dict[str, Any]:
    return {
        "exception": str(exception.pk),
        "status": exception.status,
        "variance": str(exception.variance_amount),
        "history": [str(c.id) for c in facts.history],
        "reader": user.pk if user is not None else None,
    }


def exception_advice_show(
    exception: InvoiceException, *, user: User, routing: bool = False
) -> dict[str, Any] | None:
    """The advice `user` reads on the exception (None when the assistant is off), recorded as
    shown to them; with `routing`, also who resolves such cases fastest (its own advice)."""
    setting = assistant_setting(Assistant.EXCEPTION_ADVICE)
    if not setting["enabled"]:
        return None
    facts = facts_of(exception)
    output = advise(exception, user, threshold=float(setting["threshold"]), facts=facts)
    advice_record(
        assistant=Assistant.EXCEPTION_ADVICE,
        model_version=output["model"],
        inputs=_inputs(exception, facts, user),
        output={k: v for k, v in output.items() if k != "sentences"},
        confidence=output["confidence"],
        shown_to=user,
        subject_type=EXCEPTION,
        subject_id=str(exception.pk),
    )
    output["routing"] = _routing_show(exception, facts, user) if routing else None
    return output


def _routing_show(exception: InvoiceException, facts: Facts, user: User) -> dict[str, Any] | None:
    setting = assistant_setting(Assistant.ROUTING)
    if not setting["enabled"]:
        return None
    recommended, confidence = route(exception, facts)
    if recommended is None or confidence < float(setting["threshold"]):
        return None
    recommended["confidence"] = confidence
    advice_record(
        assistant=Assistant.ROUTING,
        model_version=recommended["model"],
        inputs=_inputs(exception, facts, user),
        output=recommended,
        confidence=confidence,
        shown_to=user,
        subject_type=EXCEPTION,
        subject_id=str(exception.pk),
    )
    return recommended


def exception_advice_api(exception: InvoiceException, user: User) -> dict[str, Any] | None:
    """`advice` of `exceptions/{id}/` (docs/api.md): null when the assistant is off."""
    output = exception_advice_show(exception, user=user)
    if output is None:
        return None
    return {
        "summary": output["summary"],
        "suggested_resolution": output["suggested_resolution"],
        "confidence": output["confidence"],
        "similar": [{"id": s["id"], "resolution": s["resolution"]} for s in output["similar"]],
        "model": output["model"],
    }


def exception_summary_notices(exceptions: list[InvoiceException]) -> dict[Any, str]:
    """{exception id: the one line its escalation notice carries} ({} when the assistant is
    off), each recorded as shown to nobody in particular (a notice); one insert for the batch,
    so the SLA sweep's queries do not grow with what it escalates."""
    if not exceptions or not assistant_setting(Assistant.EXCEPTION_ADVICE)["enabled"]:
        return {}
    lines = summary_lines(exceptions)
    now = timezone.now()
    Advice.objects.bulk_create(
        Advice(
            assistant=Assistant.EXCEPTION_ADVICE,
            model_version=SUMMARY_MODEL,
            inputs_digest=inputs_digest(_inputs(exception, lines[exception.pk][1], None)),
            output={"summary_line": lines[exception.pk][0]},
            confidence=None,
            shown_to=None,
            shown_at=now,
            subject_type=EXCEPTION,
            subject_id=str(exception.pk),
        )
        for exception in exceptions
    )
    return {pk: line for pk, (line, _facts) in lines.items()}


def exception_advice_decided(exception_id: Any, resolution: str, actor: Any) -> int:
    """A person took `resolution` on the exception (run after it committed). The exception
    advice shown to that person, when it suggested something, is followed when it suggested
    that, else overridden (advice shown to others is theirs: they did not decide). A routing
    recommendation, whoever it was shown to, is followed when the recommended person decided;
    the system records that on the person's decision. Returns how many were settled."""
    settled = 0
    person = getattr(actor, "pk", None)
    detail = {"resolution": resolution}
    with transaction.atomic():
        shown = Advice.objects.filter(
            subject_type=EXCEPTION, subject_id=str(exception_id), status=Advice.Status.SHOWN
        ).order_by("shown_at", "pk")
        for advice in shown:
            if advice.assistant == Assistant.EXCEPTION_ADVICE:
                suggested = advice.output.get("suggested_resolution")
                if not suggested or person is None or advice.shown_to_id != person:
                    continue  # nothing suggested, or shown to someone who did not decide
                advice_outcome(advice, actor=actor, followed=suggested == resolution, detail=detail)
            elif advice.assistant == Assistant.ROUTING:
                recommended = (advice.output.get("recommended") or {}).get("id")
                advice_outcome(
                    advice,
                    actor=ROUTING_RECORDER,
                    followed=person is not None and recommended == person,
                    detail={**detail, "decided_by": getattr(actor, "email", str(actor))},
                )
            else:
                continue
            settled += 1
    return settled
