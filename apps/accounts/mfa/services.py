"""Writes on a partner user's second factor: setting up the authenticator (with recovery codes),
new recovery codes, removing it. Each is audited in the public schema's trail; the person acts
on their own sign-in (a partner admin resets someone else's: apps.partners.people)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.controls.guards import is_system
from apps.controls.refusals import Conflict, PermissionRefused, ValidationFailed
from apps.events.services import event_record
from apps.tenancy.context import current_tenant
from apps.tenancy.services import partner_of

from ..models import Passkey, User
from ..sign_ins import api_tokens_end
from .devices import (
    AUTHENTICATOR,
    code_matches_key,
    has_second_factor,
    new_recovery_codes,
)


def _person(actor: Any) -> tuple[User, Any]:
    """The person acting on their own sign-in, locked: a partner user (their partner), or a
    tenant user (no partner). The trail's subject says which."""
    if current_tenant() is None:  # the public host's people are partners' people
        partner = partner_of(actor, "view_console")
    else:
        partner = None
        if is_system(actor) or not getattr(actor, "is_authenticated", False):
            raise PermissionRefused()
    return User.objects.select_for_update().get(pk=actor.pk), partner


def _subject(partner: Any) -> str:
    return "partner_user" if partner is not None else "user"


def _where(partner: Any) -> dict[str, Any]:
    return {"partner": partner.pk} if partner is not None else {}


@transaction.atomic
def mfa_authenticator_confirm(*, actor: Any, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """The authenticator app the person scanned (its `key` from the set-up page), confirmed by
    a code it shows now. Returns the device and ten recovery codes, shown once. API tokens the
    person got with the password alone end: from now on a token needs a code as well."""
    user, partner = _person(actor)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict(
            _("Your authenticator is already set up. Remove it first to set up another.")
        )
    step = code_matches_key(key, code)
    if step is None:
        raise ValidationFailed(
            errors={"code": [_("That code does not match. Type the six digits the app shows now.")]}
        )
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, key=key, name=AUTHENTICATOR, confirmed=True, last_t=step
    )
    codes = new_recovery_codes(user)
    tokens_ended = api_tokens_end(user)
    event_record(
        actor=actor,
        action="mfa_device.enrolled",
        subject_type=_subject(partner),
        subject_id=user.pk,
        after={"email": user.email, "device": AUTHENTICATOR, "recovery_codes": len(codes)},
        data={**_where(partner), "api_tokens_ended": tokens_ended},
    )
    return device, codes


@transaction.atomic
def mfa_recovery_codes_renew(*, actor: Any) -> list[str]:
    """Ten new recovery codes in place of the old ones (which stop working), shown once."""
    user, partner = _person(actor)
    if not has_second_factor(user):
        raise Conflict(_("Set up your authenticator first."))
    codes = new_recovery_codes(user)
    event_record(
        actor=actor,
        action="mfa_device.recovery_codes_renewed",
        subject_type=_subject(partner),
        subject_id=user.pk,
        after={"email": user.email, "recovery_codes": len(codes)},
        data=_where(partner),
    )
    return codes


def second_factor_clear(*, user: User) -> int:
    """Every device of `user` removed (their authenticator, recovery codes and passkeys); how
    many. A step of the services that audit it (removal, a partner admin's reset)."""
    return (
        TOTPDevice.objects.filter(user=user).delete()[0]
        + StaticDevice.objects.filter(user=user).delete()[0]
        + Passkey.objects.filter(user=user).delete()[0]
    )


@transaction.atomic
def mfa_authenticator_remove(*, actor: Any) -> None:
    """The person removes their own authenticator and recovery codes (a new phone): the console
    asks them to set one up again before it opens."""
    user, partner = _person(actor)
    if not has_second_factor(user):
        raise Conflict(_("You have no authenticator set up."))
    second_factor_clear(user=user)
    event_record(
        actor=actor,
        action="mfa_device.removed",
        subject_type=_subject(partner),
        subject_id=user.pk,
        before={"email": user.email, "device": AUTHENTICATOR},
        data=_where(partner),
    )
