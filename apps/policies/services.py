"""Writes on approval policies: drafts, publication. Published versions are immutable."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record

from .document import PolicyError, validate_document
from .models import PolicyVersion


def _require_admin(actor: User | str) -> None:
    require(actor, "accounts.manage_settings")


def _validated(document: Any) -> dict[str, Any]:
    try:
        return validate_document(document)
    except PolicyError as exc:
        raise ValidationFailed(_("The policy is not valid."), errors=exc.errors) from exc


@transaction.atomic
def policy_draft_create(*, actor: User, document: Any, note: str = "") -> PolicyVersion:
    _require_admin(actor)
    clean = _validated(document)
    # numbers are allocated under a table lock so two drafts never share one
    PolicyVersion.objects.select_for_update().all().exists()
    number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.create(
        number=number, document=clean, note=note, created_by=actor
    )
    event_record(
        actor=actor,
        action="policy.draft_created",
        subject_type="policy",
        subject_id=version.label,
        after={"note": note},
    )
    return version


@transaction.atomic
def policy_draft_update(
    *, actor: User, version: PolicyVersion, document: Any, note: str | None = None
) -> PolicyVersion:
    _require_admin(actor)
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyVersion.Status.DRAFT:
        raise InvalidTransition(_("Only a draft can be edited; published versions never change."))
    version.document = _validated(document)
    if note is not None:
        version.note = note
    version.save(update_fields=["document", "note"])
    event_record(
        actor=actor, action="policy.draft_updated", subject_type="policy", subject_id=version.label
    )
    return version


@transaction.atomic
def policy_publish(*, actor: User | str, version: PolicyVersion) -> PolicyVersion:
    _require_admin(actor)  # the system (the seed, provisioning) passes; anyone else needs the role
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if PolicyVersion.Status.PUBLISHED not in PolicyVersion.TRANSITIONS[version.status]:
        raise InvalidTransition(_("Only a draft can be published."))
    _validated(version.document)
    previous = list(
        PolicyVersion.objects.select_for_update().filter(status=PolicyVersion.Status.PUBLISHED)
    )
    for old in previous:
        move_status(old, PolicyVersion.Status.RETIRED, noun=_("policy version"))
        old.save(update_fields=["status"])
    move_status(version, PolicyVersion.Status.PUBLISHED, noun=_("policy version"))
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    event_record(
        actor=actor,
        action="policy.published",
        subject_type="policy",
        subject_id=version.label,
        policy_version=version.label,
        before={"published": [v.label for v in previous]},
        payload={
            "id": version.label,
            "number": version.number,
            "published_by": actor.email if isinstance(actor, User) else actor,
            "previous": previous[-1].label if previous else None,
        },
    )
    return version
