"""Writes on a partner's people: invite (a public-schema user without a usable password, a
set-password link by e-mail, as tenant users are invited), change a role, remove (membership
gone, user deactivated, sessions and API tokens ended, authenticator cleared), reset someone's
authenticator. Partner admins only (`manage_partner_users`); another partner's people are not
found (404); the last partner admin cannot be demoted or removed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.identity import normalised_identity
from apps.accounts.mfa.services import second_factor_clear
from apps.accounts.models import User
from apps.accounts.services import invitation_link
from apps.accounts.sign_ins import api_tokens_end, sessions_end
from apps.controls.refusals import Conflict, NotFound, ValidationFailed
from apps.events.services import event_record
from apps.tenancy.models import Partner, PartnerMembership
from apps.tenancy.partner_roles import PARTNER_ADMIN, PARTNER_ROLE_LABELS
from apps.tenancy.services import partner_of

from .selectors import SUBJECT


def _membership(partner: Partner, user_id: object) -> PartnerMembership:
    """One of the partner's people, locked; anyone else (another partner's) is not found."""
    try:
        pk = int(str(user_id))
    except ValueError:
        raise NotFound() from None
    membership = (
        PartnerMembership.objects.select_for_update()
        .select_related("user")
        .filter(partner=partner, user_id=pk)
        .first()
    )
    if membership is None:
        raise NotFound(_("No such person among your partner's people."))
    return membership


def _check_role(role: str) -> str:
    if role not in PARTNER_ROLE_LABELS:
        choices = ", ".join(str(label) for label in PARTNER_ROLE_LABELS.values())
        raise ValidationFailed(errors={"role": [_("Choose one of: %s.") % choices]})
    return role


def _other_admins(partner: Partner, membership: PartnerMembership) -> bool:
    """Whether an active partner admin other than this person remains (the rows are locked,
    so two admins cannot demote each other at once)."""
    admins = list(
        PartnerMembership.objects.select_for_update()
        .filter(partner=partner, role=PARTNER_ADMIN, user__is_active=True)
        .exclude(pk=membership.pk)
        .values_list("pk", flat=True)
    )
    return bool(admins)


def _said(membership: PartnerMembership) -> dict[str, Any]:
    return {"email": membership.user.email, "role": membership.role}


@transaction.atomic
def partner_user_invite(
    *,
    actor: Any,
    email: str,
    role: str,
    base_url: str,
    first_name: str = "",
    last_name: str = "",
) -> PartnerMembership:
    """A new person of the actor's partner, with `role`; they set their password from the link
    e-mailed to them and set up two-step sign-in at their first console sign-in."""
    partner = partner_of(actor, "manage_partner_users")
    email = normalised_identity(email)
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = list(exc.messages)
    try:
        _check_role(role)
    except ValidationFailed as refused:
        errors.update(refused.errors or {})
    if errors:
        raise ValidationFailed(errors=errors)
    user = _invitee(partner, email)
    # a person removed earlier comes back only through a new invitation
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.is_active = True
    user.invited_at = timezone.now()
    user.set_unusable_password()
    user.save()
    membership = PartnerMembership.objects.create(partner=partner, user=user, role=role)
    event_record(
        actor=actor,
        action="partner_user.invited",
        subject_type=SUBJECT,
        subject_id=user.pk,
        after=_said(membership),
        data={"partner": partner.pk},
    )
    _invitation_send(user=user, partner=partner, base_url=base_url)
    return membership


def _invitee(partner: Partner, email: str) -> User:
    """The user an invitation makes a person of the partner: new, or one of the public schema
    who is nobody's person now (removed earlier); never another partner's nor the platform's."""
    user = User.objects.select_for_update().filter(email=email).first()
    if user is None:
        return User(email=email)
    membership = PartnerMembership.objects.filter(user=user).first()
    if membership is not None and membership.partner_id == partner.pk:
        raise ValidationFailed(errors={"email": [_("This person is already one of yours.")]})
    if membership is not None or user.is_staff or user.is_superuser or user.is_service_account:
        raise ValidationFailed(
            errors={"email": [_("This address is in use on the partner console already.")]}
        )
    return user


def _invitation_send(*, user: User, partner: Partner, base_url: str) -> None:
    link = invitation_link(user=user, base_url=base_url)
    name, email = partner.name, user.email
    transaction.on_commit(
        lambda: send_mail(
            subject=_("You are invited to the partner console of %(partner)s") % {"partner": name},
            message=_(
                "Set your password: %(link)s\n\nAt your first sign-in the console asks you to set "
                "up two-step sign-in with an authenticator app."
            )
            % {"link": link},
            from_email=None,
            recipient_list=[email],
        )
    )


@transaction.atomic
def partner_user_set_role(*, actor: Any, user_id: object, role: str) -> PartnerMembership:
    partner = partner_of(actor, "manage_partner_users")
    membership = _membership(partner, user_id)
    role = _check_role(role)
    before = _said(membership)
    if membership.role == role:
        return membership
    if membership.role == PARTNER_ADMIN and not _other_admins(partner, membership):
        raise Conflict(
            _("%(who)s is the partner's last admin: make someone else an admin first.")
            % {"who": membership.user.email}
        )
    membership.role = role
    membership.save(update_fields=["role"])
    event_record(
        actor=actor,
        action="partner_user.role_changed",
        subject_type=SUBJECT,
        subject_id=membership.user_id,
        before=before,
        after=_said(membership),
        data={"partner": partner.pk},
    )
    return membership


@transaction.atomic
def partner_user_remove(*, actor: Any, user_id: object) -> User:
    """The person leaves the partner: their membership goes, their user is deactivated with no
    usable password, and their sessions, API tokens and authenticator end at once."""
    partner = partner_of(actor, "manage_partner_users")
    membership = _membership(partner, user_id)
    if membership.role == PARTNER_ADMIN and not _other_admins(partner, membership):
        raise Conflict(
            _("%(who)s is the partner's last admin: make someone else an admin first.")
            % {"who": membership.user.email}
        )
    before = _said(membership)
    user = User.objects.select_for_update().get(pk=membership.user_id)
    membership.delete()
    user.is_active = False
    user.set_unusable_password()  # also ends every session signed with the old password
    user.save(update_fields=["is_active", "password"])
    ended = {
        "sessions": sessions_end(user),
        "api_tokens": api_tokens_end(user),
        "devices": second_factor_clear(user=user),
    }
    event_record(
        actor=actor,
        action="partner_user.removed",
        subject_type=SUBJECT,
        subject_id=user.pk,
        before=before,
        after={"active": False, **ended},
        data={"partner": partner.pk},
    )
    return user


@transaction.atomic
def partner_user_mfa_reset(*, actor: Any, user_id: object) -> PartnerMembership:
    """A person lost their phone and their recovery codes: a partner admin clears their
    authenticator; their sessions and tokens end, and the console asks them to set up a new one
    at their next sign-in."""
    partner = partner_of(actor, "manage_partner_users")
    membership = _membership(partner, user_id)
    if membership.user_id == actor.pk:
        raise Conflict(_("Remove your own authenticator on your sign-in security page."))
    cleared = second_factor_clear(user=membership.user)
    if not cleared:
        raise Conflict(_("%(who)s has no authenticator set up.") % {"who": membership.user.email})
    ended = {
        "sessions": sessions_end(membership.user),
        "api_tokens": api_tokens_end(membership.user),
    }
    event_record(
        actor=actor,
        action="partner_user.mfa_reset",
        subject_type=SUBJECT,
        subject_id=membership.user_id,
        before={"email": membership.user.email, "devices": cleared},
        after=ended,
        data={"partner": partner.pk},
    )
    return membership
