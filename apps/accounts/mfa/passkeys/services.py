"""Writes on a person's passkeys: registering one (after the browser's attestation was
checked, ceremony.registration_check) and removing one. A person acts on their own sign-in
only; each change is audited in the trail of the schema the person lives in."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.controls.refusals import Conflict, NotFound, PermissionRefused, ValidationFailed
from apps.events.services import event_record

from ...models import Passkey, User
from .ceremony import NewPasskey

MAX_PASSKEYS = 10


def _person(actor: Any) -> User:
    """The person acting on their own sign-in, locked: a service account or an assistant has
    no sign-in of its own to guard."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or getattr(actor, "is_service_account", False)
        or not isinstance(actor, User)
    ):
        raise PermissionRefused(_("Only a person signed in with a password has passkeys."))
    return User.objects.select_for_update().get(pk=actor.pk)


def _subject_type(user: User) -> str:
    return "partner_user" if getattr(user, "partner_membership", None) is not None else "user"


@transaction.atomic
def passkey_register(*, actor: Any, name: str, new: NewPasskey) -> Passkey:
    user = _person(actor)
    name = " ".join(str(name or "").split())[:64] or _("Passkey")
    if Passkey.objects.filter(user=user).count() >= MAX_PASSKEYS:
        raise Conflict(_("You have %(n)s passkeys; remove one first.") % {"n": MAX_PASSKEYS})
    if Passkey.objects.filter(credential_id=new.credential_id).exists():
        raise ValidationFailed(errors={"credential": [_("This passkey is already registered.")]})
    passkey = Passkey.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        transports=new.transports,
    )
    event_record(
        actor=actor,
        action="mfa_device.passkey_registered",
        subject_type=_subject_type(user),
        subject_id=user.pk,
        after={"email": user.email, "device": name, "passkey": passkey.pk},
    )
    return passkey


@transaction.atomic
def passkey_remove(*, actor: Any, passkey_id: int) -> None:
    user = _person(actor)
    passkey = Passkey.objects.select_for_update().filter(user=user, pk=passkey_id).first()
    if passkey is None:
        raise NotFound(_("You have no such passkey."))
    before = {"email": user.email, "device": passkey.name, "passkey": passkey.pk}
    passkey.delete()
    event_record(
        actor=actor,
        action="mfa_device.passkey_removed",
        subject_type=_subject_type(user),
        subject_id=user.pk,
        before=before,
    )
