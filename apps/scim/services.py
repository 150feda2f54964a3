"""What the identity provider changes, through the accounts services (which check the actor's
`manage_users`, given by the key's `scim` scope, and write the audit events with the service
account as the actor): create (an invitation), replace, deactivate, delete (deactivate and
hide from SCIM; never a row deleted), and a role's members."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.services import (
    user_deactivate,
    user_invite,
    user_reactivate,
    user_set_roles,
    user_update_profile,
)
from apps.controls.guards import require
from apps.controls.refusals import Conflict, NotFound, ValidationFailed
from apps.events.services import event_record

from .models import ScimIdentity
from .resources import ROLES, UserData

CAPABILITY = "accounts.manage_users"


def provisioned_people() -> Any:
    """The people SCIM sees: not service accounts, not deleted through SCIM."""
    return User.objects.filter(is_service_account=False).exclude(
        scim_identity__deleted_at__isnull=False
    )


def _person(user_id: object) -> User:
    user = provisioned_people().filter(pk=user_id).first() if str(user_id).isdigit() else None
    if user is None:
        raise NotFound(_("No such user."))
    return user


def _link(*, actor: Any, user: User, external_id: str) -> None:
    identity, _created = ScimIdentity.objects.select_for_update().get_or_create(user=user)
    if identity.external_id == external_id and identity.deleted_at is None:
        return
    before = {"external_id": identity.external_id, "deleted": identity.deleted_at is not None}
    identity.external_id, identity.deleted_at = external_id, None
    identity.save(update_fields=["external_id", "deleted_at"])
    event_record(
        actor=actor,
        action="user.provisioning_linked",
        subject_type="user",
        subject_id=user.pk,
        before=before,
        after={"external_id": external_id, "deleted": False},
    )


def _activity(*, actor: Any, user: User, active: bool) -> None:
    if active and not user.is_active:
        user_reactivate(actor=actor, user_id=user.pk, reason=_("the identity provider"))
    elif not active and user.is_active:
        user_deactivate(
            actor=actor, user_id=user.pk, reason=_("deactivated by the identity provider")
        )


@transaction.atomic
def scim_user_create(*, actor: Any, data: UserData, base_url: str, portal_name: str) -> User:
    """A new person (invited by e-mail to set a password, unless single sign-on lets them in).
    A person the provider deleted before comes back under the same row."""
    require(actor, CAPABILITY)
    existing = User.objects.with_identity(data.user_name).filter(is_service_account=False).first()
    if existing is not None:
        identity = ScimIdentity.objects.filter(user=existing).first()
        if identity is None or identity.deleted_at is None:
            raise Conflict(_("A user with this userName already exists."))
        return scim_user_replace(actor=actor, user_id=existing.pk, data=data, revive=True)
    user = user_invite(
        actor=actor,
        email=data.user_name,
        roles=[],
        base_url=base_url,
        first_name=data.given_name[:150],
        last_name=data.family_name[:150],
        portal_name=portal_name,
    )
    _link(actor=actor, user=user, external_id=data.external_id)
    _activity(actor=actor, user=user, active=data.active)
    return user


@transaction.atomic
def scim_user_replace(*, actor: Any, user_id: object, data: UserData, revive: bool = False) -> User:
    """PUT, and PATCH once applied: the person's name, e-mail, externalId and whether active
    (false is the leaver service)."""
    require(actor, CAPABILITY)
    if revive:
        user = User.objects.filter(pk=int(str(user_id)), is_service_account=False).first()
        if user is None:
            raise NotFound(_("No such user."))
    else:
        user = _person(user_id)
    if User.objects.with_identity(data.user_name).exclude(pk=user.pk).exists():
        raise Conflict(_("A user with this userName already exists."))
    user = user_update_profile(
        actor=actor,
        user_id=user.pk,
        email=data.user_name,
        first_name=data.given_name,
        last_name=data.family_name,
    )
    _link(actor=actor, user=user, external_id=data.external_id)
    _activity(actor=actor, user=user, active=data.active)
    user.refresh_from_db()
    return user


@transaction.atomic
def scim_user_delete(*, actor: Any, user_id: object) -> None:
    """The provider deletes: the person is deactivated (their work moves) and SCIM answers 404
    for them from now on; the row and its history stay."""
    require(actor, CAPABILITY)
    user = _person(user_id)
    _activity(actor=actor, user=user, active=False)
    identity, _created = ScimIdentity.objects.select_for_update().get_or_create(user=user)
    identity.deleted_at = timezone.now()
    identity.save(update_fields=["deleted_at"])
    event_record(
        actor=actor,
        action="user.deprovisioned",
        subject_type="user",
        subject_id=user.pk,
        data={"email": user.email, "external_id": identity.external_id},
    )


@transaction.atomic
def scim_group_members_change(*, actor: Any, role: str, add: set[str], remove: set[str]) -> Group:
    """Grant `role` to the people `add` names and take it from those `remove` names (by their
    SCIM ids), each through user_set_roles (audited, actor the service account)."""
    require(actor, CAPABILITY)
    group = Group.objects.filter(name=role).first()
    if group is None or role not in ROLES:
        raise NotFound(_("No such group."))
    wanted = {str(i) for i in add | remove}
    people = {
        str(u.pk): u for u in provisioned_people().filter(pk__in=[i for i in wanted if i.isdigit()])
    }
    unknown = sorted(wanted - set(people))
    if unknown:
        raise ValidationFailed(_("No such user: %s.") % ", ".join(unknown))
    for user_id in sorted(wanted, key=int):
        person = people[user_id]
        held = set(person.groups.values_list("name", flat=True))
        roles = held | {role} if user_id in add else held - {role}
        if roles != held:
            user_set_roles(actor=actor, user=person, roles=roles)
    return group
