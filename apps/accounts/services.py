"""Writes on users: invitations, accepting an invitation, roles, profile, deactivation (a
leaver: access ends and work moves, apps/accounts/leavers.py) and reactivation."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.events.services import event_record
from apps.tenancy.plans import plan_guard
from apps.tenancy.services import Provisioned

from .identity import normalised_identity
from .language import LANGUAGE_CODES, in_language_of, is_language
from .leavers import Leaver, access_end, successor_admin, work_move
from .models import User
from .roles import ROLE_CAPABILITIES, SUPPLIER, TENANT_ADMIN
from .usage import people_with_access


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLE_CAPABILITIES]
    if unknown:
        raise ValidationFailed(errors={"roles": [_("Unknown role: %s") % r for r in unknown]})
    return roles


def invitation_link(*, user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{base_url.rstrip('/')}/invite/{uid}/{token}/"


@transaction.atomic
def user_invite(
    *,
    actor: User | str | None,
    email: str,
    roles: Iterable[str],
    base_url: str,
    first_name: str = "",
    last_name: str = "",
    portal_name: str = "Spendgate",
) -> User:
    """Create a user without a usable password and e-mail a link that lets them set one.

    The link is a Django password-reset token: it expires (PASSWORD_RESET_TIMEOUT) and stops
    working once a password is set.
    """
    require(actor, "accounts.manage_users")
    email = normalised_identity(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(errors={"email": list(exc.messages)}) from exc
    roles = _check_roles(roles)
    if User.objects.with_identity(email).exists():
        raise ValidationFailed(errors={"email": [_("A user with this e-mail already exists.")]})
    if roles != [SUPPLIER]:  # a supplier's contact is no seat of the plan
        plan_guard("active_users", people_with_access)
    user = User(email=email, first_name=first_name, last_name=last_name, invited_at=timezone.now())
    user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    event_record(
        actor=actor,
        action="user.invited",
        subject_type="user",
        subject_id=user.pk,
        after={"email": email, "roles": roles},
    )
    link = invitation_link(user=user, base_url=base_url)
    with in_language_of(user):  # the new person's: their organisation's language
        subject = _("You are invited to %(portal)s") % {"portal": portal_name}
        message = _("Set your password and sign in: %(link)s") % {"link": link}
    transaction.on_commit(
        lambda: send_mail(subject=subject, message=message, from_email=None, recipient_list=[email])
    )
    return user


def user_language_set(*, person: User, language: str) -> User:
    """A person chooses the language they read ("" follows their organisation's). Their own
    preference, so anyone signed in may set it, auditors included; not a business record."""
    if language and not is_language(language):
        raise ValidationFailed(
            errors={"language": [_("Choose one of: %s.") % ", ".join(LANGUAGE_CODES)]}
        )
    person.language = language
    person.save(update_fields=["language"])
    return person


@transaction.atomic
def invitation_accept(*, user: User, token: str, password: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not default_token_generator.check_token(user, token):
        raise ValidationFailed(_("This invitation link has expired or was already used."))
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(errors={"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    event_record(
        actor=user, action="user.invitation_accepted", subject_type="user", subject_id=user.pk
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: User | str, user: User, roles: Iterable[str]) -> User:
    require(actor, "accounts.manage_users")
    roles = _check_roles(roles)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = sorted(user.groups.values_list("name", flat=True))
    if (
        user.pk == getattr(actor, "pk", None)
        and "tenant_admin" in before
        and "tenant_admin" not in roles
    ):
        raise ValidationFailed(errors={"roles": [_("You cannot remove your own admin role.")]})
    user.groups.set(Group.objects.filter(name__in=roles))
    event_record(
        actor=actor,
        action="user.roles_changed",
        subject_type="user",
        subject_id=user.pk,
        before={"roles": before},
        after={"roles": roles},
    )
    return user


@transaction.atomic
def user_ensure(
    *,
    email: str,
    password: str,
    roles: Iterable[str],
    first_name: str = "",
    last_name: str = "",
    manager: User | None = None,
) -> User:
    """Create or update a user with a known password (demo seed and tests). Idempotent."""
    roles = _check_roles(roles)
    user = User.objects.with_identity(email).first()
    created = user is None
    if user is None:
        user = User(email=email)
    user.first_name, user.last_name, user.manager = first_name, last_name, manager
    if created or not user.check_password(password):
        user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    if created:
        event_record(
            actor="system:seed",
            action="user.created",
            subject_type="user",
            subject_id=user.pk,
            after={"email": user.email, "roles": roles},
        )
    return user


def _locked_person(user_id: object) -> User:
    user = (
        User.objects.select_for_update().filter(pk=int(str(user_id)), is_service_account=False)
        if str(user_id).isdigit()
        else User.objects.none()
    ).first()
    if user is None:
        raise NotFound(_("No such user."))
    return user


@transaction.atomic
def user_update_profile(
    *, actor: User, user_id: object, email: str, first_name: str, last_name: str
) -> User:
    """A person's e-mail (their sign-in identity) and name, as the identity provider or an admin
    keeps them."""
    require(actor, "accounts.manage_users")
    user = _locked_person(user_id)
    email = normalised_identity(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(errors={"email": list(exc.messages)}) from exc
    if User.objects.with_identity(email).exclude(pk=user.pk).exists():
        raise ValidationFailed(errors={"email": [_("A user with this e-mail already exists.")]})
    before = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name}
    after = {"email": email, "first_name": first_name[:150], "last_name": last_name[:150]}
    if before == after:
        return user
    user.email, user.first_name, user.last_name = email, after["first_name"], after["last_name"]
    user.save(update_fields=["email", "username", "first_name", "last_name"])
    event_record(
        actor=actor,
        action="user.profile_changed",
        subject_type="user",
        subject_id=user.pk,
        before=before,
        after=after,
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user_id: object, reason: str) -> User:
    """A leaver: they can no longer sign in, their API tokens and sessions end now, and every
    context moves the work it holds for them (open approval tasks to their delegate or the
    step's fallback, exceptions back to their queue, contracts to a tenant admin), each move
    audited. Nothing of theirs is deleted: the history keeps naming them."""
    require(actor, "accounts.manage_users")
    user = _locked_person(user_id)
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationFailed(_("You cannot deactivate yourself."))
    if not user.is_active:
        raise InvalidTransition(_("%s is already deactivated.") % user.email)
    admin = successor_admin(leaver=user, actor=actor)
    if admin is None and user.groups.filter(name=TENANT_ADMIN).exists():
        raise ValidationFailed(
            _("%s is the last active tenant admin; make someone else admin first.") % user.email
        )
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = access_end(user)
    moved = work_move(Leaver(user=user, actor=actor, reason=reason, admin=admin))
    event_record(
        actor=actor,
        action="user.deactivated",
        subject_type="user",
        subject_id=user.pk,
        data={
            "email": user.email,
            "reason": reason[:300],
            "successor_admin": admin.email if admin else None,
            "ended": ended,
            "moved": moved,
        },
    )
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user_id: object, reason: str = "") -> User:
    """A returning person may sign in again; the work moved when they left stays where it went."""
    require(actor, "accounts.manage_users")
    user = _locked_person(user_id)
    if user.is_active:
        raise InvalidTransition(_("%s is already active.") % user.email)
    user.is_active = True
    user.save(update_fields=["is_active"])
    event_record(
        actor=actor,
        action="user.reactivated",
        subject_type="user",
        subject_id=user.pk,
        data={"email": user.email, "reason": reason[:300]},
    )
    return user


def first_admin_invite(provisioned: Provisioned) -> None:
    """Provisioning step (registered in AccountsConfig.ready): the partner names the tenant's
    first admin, who is invited by e-mail."""
    if not provisioned.admin_email:
        return
    user_invite(
        actor=f"partner:{provisioned.actor.email}",
        email=provisioned.admin_email,
        roles=["tenant_admin"],
        base_url=provisioned.base_url,
        portal_name=provisioned.client.portal_name,
    )
