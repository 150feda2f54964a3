"""Erasure requests: asked by compliance, then executed (apps.audit.erasure shreds the trail)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.audit.erasure import subject_shred
from apps.controls.guards import require
from apps.controls.refusals import Conflict, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record

from .models import ErasureRequest
from .registry import Pseudonym, erasure_refusal, person_kind, personal_texts

# compliance's capability (no other role holds it): erasure is compliance's call
ERASE = "accounts.review_screening"


class SubjectStillActive(Conflict):
    code = "subject_active"


class ErasureRefused(Conflict):
    """A registered check refused (retention: a legal hold; workflow: open tasks)."""

    code = "erasure_refused"


def subject_reference(request: ErasureRequest) -> str:
    """How the trail names the request's subject: by request, never by the person."""
    return f"erasure-request-{request.pk}"


def _check_erasable(kind: str, subject_id: Any) -> list[str]:
    found = person_kind(kind)
    identities = None if found is None else found.identities(subject_id)
    if found is None or identities is None:
        raise ValidationFailed(errors={"subject": [_("No such person.")]})
    if found.active(subject_id):
        raise SubjectStillActive(_("This person still works here: deactivate them first."))
    reason = erasure_refusal(kind, subject_id)
    if reason:
        raise ErasureRefused(reason)
    return identities


@transaction.atomic
def erasure_request_create(*, actor: User, kind: str, subject_id: Any) -> ErasureRequest:
    require(actor, ERASE)
    if kind not in ErasureRequest.Kind.values:
        raise ValidationFailed(errors={"subject": [_("Name a subject_user or a contact.")]})
    _check_erasable(kind, subject_id)
    if ErasureRequest.objects.filter(
        kind=kind, subject_id=str(subject_id), status=ErasureRequest.Status.COMPLETED
    ).exists():
        raise Conflict(_("This person was erased already."))
    request = ErasureRequest.objects.create(
        kind=kind, subject_id=str(subject_id), requested_by=actor
    )
    event_record(
        actor=actor,
        action="privacy.erasure_requested",
        subject_type="erasure_request",
        subject_id=request.pk,
        data={"subject": subject_reference(request), "kind": kind},
    )
    return request


@transaction.atomic
def erasure_execute(*, actor: User, request_id: Any) -> ErasureRequest:
    """Pseudonymise the person everywhere: their own record, the free text that names them,
    their values in the audit trail (whose chain still verifies), and destroy their key."""
    require(actor, ERASE)
    request = ErasureRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound()
    move_status(request, ErasureRequest.Status.COMPLETED, noun=_("erasure request"))
    kind = person_kind(request.kind)
    assert kind is not None
    identities = [i for i in _check_erasable(request.kind, request.subject_id) if i]
    n, events = subject_shred(ref=f"{request.kind}:{request.subject_id}", identities=identities)
    pseudonym = Pseudonym(n)
    texts = _free_text_rewritten(identities, pseudonym)
    kind.pseudonymise(request.subject_id, pseudonym)
    request.pseudonym, request.completed_at = pseudonym.name, timezone.now()
    request.outcome = {"events": events, "texts": texts}
    request.save(update_fields=["status", "pseudonym", "completed_at", "outcome"])
    event_record(
        actor=actor,
        action="privacy.erasure_executed",
        subject_type="erasure_request",
        subject_id=request.pk,
        data={
            "subject": subject_reference(request),
            "pseudonym": pseudonym.name,
            "events": events,
            "texts": texts,
        },
    )
    return request


def _free_text_rewritten(identities: list[str], pseudonym: Pseudonym) -> int:
    """Each registered free-text field that names the person, with the pseudonym instead."""
    names = sorted({i.strip() for i in identities if len(i.strip()) >= 3}, key=len, reverse=True)
    if not names:
        return 0
    pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    changed = 0
    for text in personal_texts():
        for field in text.fields:
            wanted = Q()
            for name in names:
                wanted |= Q(**{f"{field}__icontains": name})
            for pk, value in text.model.objects.filter(wanted).values_list("pk", field):
                text.model.objects.filter(pk=pk).update(
                    **{field: pattern.sub(pseudonym.name, value)}
                )
                changed += 1
    return changed
