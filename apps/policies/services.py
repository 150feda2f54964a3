"""Writes on approval policies: drafts, publication. Published versions are immutable."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.mfa.stepup import fresh_factor_required
from apps.accounts.models import User
from apps.controls.guards import is_assistant, is_system, require
from apps.controls.refusals import InvalidTransition, PermissionRefused, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record

from .document import PolicyError, validate_document
from .managed import LOCAL, LOCKED, locked_refusals
from .models import ApprovalLimit, PolicyManagement, PolicyVersion
from .session_section import session_limits_forget


def _require_admin(actor: User | str) -> None:
    require(actor, "accounts.manage_settings")


def _validated(document: Any) -> dict[str, Any]:
    try:
        clean = validate_document(document)
    except PolicyError as exc:
        raise ValidationFailed(_("The policy is not valid."), errors=exc.errors) from exc
    _refuse_locked_changes(clean)
    return clean


def _refuse_locked_changes(document: dict[str, Any]) -> None:
    """A tenant whose policy follows a partner's template cannot change its locked fields
    (apps/policies/managed.py); the sentence names the template."""
    binding = PolicyManagement.objects.first()
    if binding is None:
        return
    errors = locked_refusals(document, locked=binding.locked, managed_by=binding.managed_by)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)


@transaction.atomic
def policy_draft_create(*, actor: User | str, document: Any, note: str = "") -> PolicyVersion:
    _require_admin(actor)
    clean = _validated(document)
    # numbers are allocated under a table lock so two drafts never share one
    PolicyVersion.objects.select_for_update().all().exists()
    number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.create(
        number=number,
        document=clean,
        note=note,
        created_by=actor if isinstance(actor, User) else None,
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
def approval_limit_set(
    *,
    actor: User | str,
    currency: str,
    amount: Decimal,
    role: str = "",
    user: User | None = None,
) -> ApprovalLimit:
    """How much a user, or anyone holding a role, may approve in one currency (delegation of
    authority): the limit of that holder and currency is replaced."""
    _require_admin(actor)
    if (user is None) == (not role):
        raise ValidationFailed(errors={"role": [_("Name either a role or a user.")]})
    limit, _created = ApprovalLimit.objects.select_for_update().update_or_create(
        user=user, role=role, currency=currency, defaults={"amount": amount}
    )
    event_record(
        actor=actor,
        action="approval_limit.set",
        subject_type="approval_limit",
        subject_id=limit.pk,
        after={
            "holder": user.email if user is not None else role,
            "currency": currency,
            "amount": str(amount),
        },
    )
    return limit


@transaction.atomic
def policy_publish(*, actor: User | str, version: PolicyVersion) -> PolicyVersion:
    _require_admin(actor)  # the system (the seed, provisioning) passes; anyone else needs the role
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if PolicyVersion.Status.PUBLISHED not in PolicyVersion.TRANSITIONS[version.status]:
        raise InvalidTransition(_("Only a draft can be published."))
    _validated(version.document)
    factor = fresh_factor_required(actor)  # step-up: a code of the last 5 minutes
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
        data=factor or None,
        payload={
            "id": version.label,
            "number": version.number,
            "published_by": actor.email if isinstance(actor, User) else actor,
            "previous": previous[-1].label if previous else None,
        },
    )
    transaction.on_commit(session_limits_forget)  # its session timeouts apply at once
    return version


@transaction.atomic
def policy_management_set(
    *,
    actor: Any,
    partner_name: str,
    template_name: str,
    template_ref: int,
    template_version: int,
    locked: dict[str, Any],
    local: list[str],
) -> PolicyManagement:
    """Bind this tenant's policy to a partner's template version (or move it to a newer one).
    Only the partner's side calls it, as `partner:<e-mail>`: no person of the tenant binds
    their own policy to a template."""
    if is_assistant(actor) or not is_system(actor):
        raise PermissionRefused(_("Only the partner that manages this tenant sets its template."))
    now = timezone.now()
    binding = PolicyManagement.objects.select_for_update().first()
    before = None
    if binding is None:
        binding = PolicyManagement(adopted_at=now)
    else:
        before = {"template": binding.template_name, "version": binding.template_version}
        if binding.template_ref != template_ref:
            binding.adopted_at = now
    binding.partner_name = partner_name
    binding.template_name = template_name
    binding.template_ref = template_ref
    binding.template_version = template_version
    binding.locked = locked
    binding.local = sorted(local)
    binding.published_by = str(actor or "")
    binding.updated_at = now
    if binding.pk is None:
        binding.save()
    else:
        binding.save(
            update_fields=[
                "partner_name", "template_name", "template_ref", "template_version", "locked",
                "local", "published_by", "adopted_at", "updated_at",
            ]
        )  # fmt: skip
    event_record(
        actor=actor,
        action="policy.management_set",
        subject_type="policy",
        subject_id="template",
        before=before,
        after={
            "partner": partner_name,
            "template": template_name,
            "version": template_version,
            LOCKED: sorted(locked),
            LOCAL: sorted(local),
        },
    )
    return binding
