"""Writes on a partner's single sign-on for its console: the connection (partner admins), a
successful test sign-in, enforcement with a break-glass partner admin, a person's sign-in
through it, and the password rule while it is enforced. Each writes its audit event, with the
partner named (`data.partner`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.identity import normalised_identity
from apps.accounts.models import User
from apps.controls.refusals import ValidationFailed
from apps.events.services import event_record
from apps.identity.refusals import (
    SsoRefused,
)
from apps.identity.services import (
    PROVIDER_FIELDS,
    described,
    enforcement_allowed,
    settings_apply,
    tested_mark,
)
from apps.tenancy.context import on_public_schema
from apps.tenancy.models import Partner, PartnerMembership
from apps.tenancy.partner_roles import PARTNER_ADMIN
from apps.tenancy.services import partner_of

from .models import PartnerSsoConnection

MANAGE = "manage_partner_users"
# what a partner sets: the identity provider and what its claims are called (no role
# mapping: a partner's people get their role when they are invited)
FIELDS = (*PROVIDER_FIELDS, "display_name", "email_claim", "name_claim")
SUBJECT = "sso_connection"
PERSON = "partner_user"  # the trail's subject for a partner's person (apps.partners.people)


def _locked(partner: Partner) -> PartnerSsoConnection | None:
    return PartnerSsoConnection.objects.select_for_update().filter(partner=partner).first()


def _checked_break_glass(partner: Partner, user: User | None) -> User | None:
    if user is None:
        return None
    admin = PartnerMembership.objects.filter(
        partner=partner, user=user, role=PARTNER_ADMIN, user__is_active=True
    ).exists()
    if not admin:
        raise ValidationFailed(
            errors={"break_glass_user": [_("The break-glass person must be a partner admin.")]}
        )
    return user


def _record(actor: Any, action: str, connection: PartnerSsoConnection, **more: Any) -> None:
    event_record(
        actor=actor,
        action=action,
        subject_type=SUBJECT,
        subject_id=connection.pk,
        data={"partner": connection.partner_id},
        **more,
    )


@transaction.atomic
def partner_sso_save(
    *,
    actor: Any,
    changes: Mapping[str, Any],
    client_secret: str | None = None,
    break_glass_user: User | str | None = "keep",
) -> PartnerSsoConnection:
    """Create or change the actor's partner's connection (partner admins). As a tenant's: a
    change of identity provider asks for a new test sign-in and is refused while enforced."""
    partner = partner_of(actor, MANAGE)
    connection = _locked(partner)
    created = connection is None
    now = timezone.now()
    if connection is None:
        connection = PartnerSsoConnection(partner=partner, configured_at=now)
    before = None if created else described(connection)
    values = dict(changes)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationFailed(errors={k: [_("This field cannot be set.")] for k in unknown})
    settings_apply(
        connection,
        values,
        client_secret,
        created=created,
        now=now,
        break_glass_user=break_glass_user,
        break_glass_checked=lambda person: _checked_break_glass(partner, person),
    )
    connection.save()
    after = {**described(connection), "needs_test": not connection.tested_since_change}
    _record(actor, "sso.connection_saved", connection, before=before, after=after)
    return connection


@transaction.atomic
def partner_sso_test_record(
    *, actor: Any, partner: Partner, version: int, identity: Mapping[str, Any]
) -> PartnerSsoConnection:
    """A test sign-in started by a partner admin succeeded with the connection at `version`."""
    if partner_of(actor, MANAGE).pk != partner.pk:
        raise SsoRefused("test_link")
    connection = tested_mark(_locked(partner), version)
    after = {"email": identity.get("email"), "version": version}
    _record(actor, "sso.tested", connection, after=after)
    return connection


@transaction.atomic
def partner_sso_enforce(*, actor: Any, enforced: bool) -> PartnerSsoConnection:
    """Password sign-in to the console off for the partner's people (but its break-glass
    admin), after a successful test since the last change; or on again."""
    connection = enforcement_allowed(_locked(partner_of(actor, MANAGE)), enforced)
    if connection.enforced != enforced:
        connection.enforced = enforced
        connection.save(update_fields=["enforced"])
        action = "sso.enforced" if enforced else "sso.enforcement_ended"
        _record(actor, action, connection, before={"enforced": not enforced})
    return connection


@transaction.atomic
def partner_sso_sign_in(*, connection: PartnerSsoConnection, identity: Mapping[str, Any]) -> User:
    """The partner's person a verified sign-in names. Nobody is created: an address that is
    not an active person of this partner is refused (`not_a_member`)."""
    email = normalised_identity(identity.get("email"))
    user = (
        User.objects.with_identity(email)
        .filter(partner_membership__partner_id=connection.partner_id)
        .first()
        if email
        else None
    )
    if user is None or not user.is_active or user.is_service_account:
        raise SsoRefused("not_a_member")
    event_record(
        actor=user,
        action="sso.signed_in",
        subject_type=PERSON,
        subject_id=user.pk,
        data={"protocol": connection.protocol, "partner": connection.partner_id},
    )
    return user


def partner_password_guard(user: Any, channel: str) -> str | None:
    """Password sign-in on the console (registered with accounts' sign-in policy): refused to a
    partner's people while their partner enforces SSO, but for its break-glass admin (audited)."""
    if not on_public_schema():
        return None
    connection = (
        PartnerSsoConnection.objects.filter(partner__memberships__user_id=user.pk, enforced=True)
        .only("pk", "partner_id", "break_glass_user_id", "display_name", "protocol")
        .first()
    )
    if connection is None:
        return None
    if connection.break_glass_user_id == user.pk:
        with transaction.atomic():
            event_record(
                actor=user,
                action="sso.break_glass_sign_in",
                subject_type=PERSON,
                subject_id=user.pk,
                data={"channel": channel, "partner": connection.partner_id},
            )
        return None
    return _("Your partner signs in with %(idp)s: use “Sign in with your organisation”.") % {
        "idp": connection.idp_name
    }
