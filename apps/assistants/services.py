"""The one writer of advice: every piece of advice shown is stored with the assistant, its
model version, a digest of its inputs, its output and confidence and who saw it; the
person's decision is recorded against it later (followed or overridden)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.guards import AssistantActor, is_assistant, is_system
from apps.controls.refusals import PermissionRefused
from apps.controls.transitions import move_status
from apps.policies.assistant_section import DEFAULT_ASSISTANT_POLICY, validate_assistant_section
from apps.policies.selectors import NoPublishedPolicy, policy_published

from .models import Advice


def assistant_actor(assistant: str) -> AssistantActor:
    """The actor an assistant would act as: every service that changes something refuses
    it (apps.controls.guards)."""
    return AssistantActor(assistant)


def assistant_setting(assistant: str) -> dict[str, Any]:
    """{enabled, threshold} of one assistant under the published policy (defaults without
    one)."""
    try:
        document = policy_published().document
    except NoPublishedPolicy:
        return dict(DEFAULT_ASSISTANT_POLICY[assistant])
    # the document was validated whole when it was published: its assistants section alone,
    # with its defaults filled in, is all this needs (no rule's condition compiled again)
    return dict(validate_assistant_section(document.get("assistants"), {})[assistant])


def assistant_enabled(assistant: str) -> bool:
    return bool(assistant_setting(assistant)["enabled"])


def inputs_digest(inputs: Any) -> str:
    canonical = json.dumps(inputs, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def advice_record(
    *,
    assistant: str,
    model_version: str,
    inputs: Any,
    output: Any,
    confidence: float | None,
    shown_to: Any,
    subject_type: str,
    subject_id: str = "",
) -> Advice:
    """Store one piece of advice as it is shown to `shown_to` (a person, or None when it
    went out in an e-mail or a system notice)."""
    return Advice.objects.create(
        assistant=assistant,
        model_version=model_version,
        inputs_digest=inputs_digest(inputs),
        output=output,
        confidence=None if confidence is None else round(float(confidence), 4),
        shown_to=None if is_system(shown_to) else shown_to,
        shown_at=timezone.now(),
        subject_type=subject_type,
        subject_id=str(subject_id or ""),
    )


def advice_outcome(
    advice: Advice, *, actor: Any, followed: bool, detail: dict[str, Any] | None = None
) -> Advice:
    """Record what the person did with the advice: followed it, or decided otherwise
    (`detail` says what they chose). Recorded once; a later call changes nothing. Only the
    person it was shown to (or the system acting on their decision) records it."""
    if is_assistant(actor):
        raise PermissionRefused(_("An assistant advises; a person decides."))
    with transaction.atomic():
        advice = Advice.objects.select_for_update().get(pk=advice.pk)
        if not is_system(actor) and advice.shown_to_id not in (None, actor.pk):
            raise PermissionRefused(_("This advice was shown to someone else."))
        if advice.status != Advice.Status.SHOWN:
            return advice
        to = Advice.Status.FOLLOWED if followed else Advice.Status.OVERRIDDEN
        move_status(advice, to, noun=_("piece of advice"))
        advice.outcome_at = timezone.now()
        advice.outcome_by = None if is_system(actor) else actor
        advice.outcome_detail = detail or {}
        advice.save(update_fields=["status", "outcome_at", "outcome_by", "outcome_detail"])
        return advice
