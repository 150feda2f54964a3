"""Writes on the tenant's single sign-on: its connection, a successful test sign-in, its
enforcement, and the person a sign-in through it creates or updates (just in time, with the
roles mapped from their groups). Each writes its audit event."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.identity import normalised_identity
from apps.accounts.models import User
from apps.accounts.roles import ROLE_CAPABILITIES, SUPPLIER, TENANT_ADMIN
from apps.accounts.services import user_set_roles
from apps.accounts.usage import people_with_access
from apps.controls.guards import require
from apps.controls.refusals import PermissionRefused, ValidationFailed
from apps.events.services import event_record
from apps.tenancy.plans import plan_guard

from .metadata import idp_entity_of
from .models import SsoConnection, SsoSettings
from .refusals import SsoBreakGlassMissing, SsoEnforcedChange, SsoNotConfigured, SsoNotTested
from .secrets import secret_seal

MANAGE = "accounts.manage_settings"
# what reaching another identity provider means: these changes need a new test sign-in
PROVIDER_FIELDS = ("protocol", "discovery_url", "client_id", "idp_metadata_xml", "sp_entity_id")
MAPPING_FIELDS = ("display_name", "email_claim", "name_claim", "groups_claim", "role_mapping")
SYSTEM = "system:sso"


def _require_admin(actor: Any) -> None:
    require(actor, MANAGE)  # tenant admins only


def _locked() -> SsoConnection | None:
    return SsoConnection.objects.select_for_update().filter(slot=1).first()


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    loopback = (parts.hostname or "") in {"127.0.0.1", "localhost", "::1"}
    if loopback and not settings.SSO_ALLOW_LOOPBACK:
        raise ValidationFailed(
            errors={"discovery_url": [_("The identity provider must be reachable on the net.")]}
        )
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValidationFailed(errors={"discovery_url": [_("The discovery URL must use https.")]})
    return url


def _checked_mapping(mapping: Any) -> dict[str, list[str]]:
    if not isinstance(mapping, Mapping):
        raise ValidationFailed(errors={"role_mapping": [_("Map each group to a list of roles.")]})
    out: dict[str, list[str]] = {}
    for group, roles in mapping.items():
        if not str(group).strip() or len(str(group)) > 200 or "\x00" in str(group):
            raise ValidationFailed(errors={"role_mapping": [_("A group needs a name.")]})
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ValidationFailed(
                errors={"role_mapping": [_("Map each group to a list of roles.")]}
            )
        unknown = [r for r in roles if r not in ROLE_CAPABILITIES or r == SUPPLIER]
        if unknown:
            raise ValidationFailed(
                errors={"role_mapping": [_("Unknown role: %s") % r for r in unknown]}
            )
        out[str(group)] = sorted(set(roles))
    return out


def _checked_break_glass(user: User | None) -> User | None:
    if user is None:
        return None
    if not user.is_active or not user.groups.filter(name=TENANT_ADMIN).exists():
        raise ValidationFailed(
            errors={"break_glass_user": [_("The break-glass person must be a tenant admin.")]}
        )
    return user


def described(connection: SsoSettings) -> dict[str, Any]:
    """A connection as its audit events show it (never the client secret)."""
    return {
        "protocol": connection.protocol,
        "display_name": connection.display_name,
        "discovery_url": connection.discovery_url,
        "client_id": connection.client_id,
        "idp_entity_id": connection.idp_entity_id,
        "sp_entity_id": connection.sp_entity_id,
        "break_glass_user": connection.break_glass_user.email
        if connection.break_glass_user
        else None,
    }


def _described(connection: SsoConnection) -> dict[str, Any]:
    return described(connection) | {"role_mapping": connection.role_mapping}


@transaction.atomic
def sso_connection_save(
    *,
    actor: Any,
    changes: Mapping[str, Any],
    client_secret: str | None = None,
    break_glass_user: User | str | None = "keep",
) -> SsoConnection:
    """Create or change the tenant's connection. `changes` holds the fields given (PATCH);
    `client_secret` None keeps the stored one; `break_glass_user` "keep" keeps it. A change of
    identity provider asks for a new test sign-in, and is refused while SSO is enforced."""
    _require_admin(actor)
    connection = _locked()
    created = connection is None
    now = timezone.now()
    if connection is None:
        connection = SsoConnection(configured_at=now)
    before = None if created else _described(connection)
    values = dict(changes)
    if "role_mapping" in values:
        values["role_mapping"] = _checked_mapping(values["role_mapping"])
    settings_apply(
        connection,
        values,
        client_secret,
        created=created,
        now=now,
        break_glass_user=break_glass_user,
        break_glass_checked=_checked_break_glass,
    )
    connection.save()
    event_record(
        actor=actor,
        action="sso.connection_saved",
        subject_type="sso_connection",
        subject_id=connection.pk,
        before=before,
        after={**_described(connection), "needs_test": not connection.tested_since_change},
    )
    return connection


def settings_apply(
    connection: SsoSettings,
    values: dict[str, Any],
    client_secret: str | None,
    *,
    created: bool,
    now: Any,
    break_glass_user: User | str | None,
    break_glass_checked: Callable[[User | None], User | None],
) -> None:
    """Apply the fields given to a connection (a tenant's or a partner's), checked: the
    protocol, a discovery URL on the net over https, the break-glass person (by the owner's
    rule, `break_glass_checked`; "keep" keeps them), what each protocol needs. A change of
    identity provider asks for a new test sign-in and is refused while SSO is enforced. Not
    saved: the caller saves and audits."""
    unknown = set(values) - set(PROVIDER_FIELDS) - set(MAPPING_FIELDS)
    if unknown:
        raise ValidationFailed(errors={k: [_("This field cannot be set.")] for k in unknown})
    if "protocol" in values and values["protocol"] not in SsoConnection.Protocol.values:
        raise ValidationFailed(errors={"protocol": [_("Choose oidc or saml.")]})
    if values.get("discovery_url"):
        values["discovery_url"] = _checked_url(str(values["discovery_url"]))
    provider_changed = (
        created
        or client_secret is not None
        or any(k in values and values[k] != getattr(connection, k) for k in PROVIDER_FIELDS)
    )
    if provider_changed and connection.enforced:
        raise SsoEnforcedChange()
    for field, value in values.items():
        setattr(connection, field, value)
    if client_secret is not None:
        connection.client_secret_encrypted = secret_seal(client_secret)
    if break_glass_user != "keep":
        connection.break_glass_user = break_glass_checked(
            break_glass_user if isinstance(break_glass_user, User) else None
        )
    _check_complete(connection)
    if connection.protocol == SsoConnection.Protocol.SAML:
        connection.idp_entity_id = idp_entity_of(connection.idp_metadata_xml)
    if provider_changed:
        connection.configured_at = now
        connection.version += 0 if created else 1


def _check_complete(connection: SsoSettings) -> None:
    missing: dict[str, list[str]] = {}
    required = _("This field is required.")
    if connection.protocol == SsoConnection.Protocol.OIDC:
        for field in ("discovery_url", "client_id"):
            if not getattr(connection, field):
                missing[field] = [required]
        if not connection.client_secret_encrypted:
            missing["client_secret"] = [required]
    elif connection.protocol == SsoConnection.Protocol.SAML:
        if not connection.idp_metadata_xml:
            missing["metadata"] = [required]
    else:
        missing["protocol"] = [required]
    if missing:
        raise ValidationFailed(errors=missing)


def tested_mark[C: SsoSettings](connection: C | None, version: int) -> C:
    """A test sign-in succeeded with `connection` at `version` (a tenant's or a partner's):
    recorded unless the connection changed since the test started. Not audited here."""
    if connection is None:
        raise SsoNotConfigured()
    if connection.version != version:
        raise SsoNotTested()
    connection.tested_at = timezone.now()
    connection.save(update_fields=["tested_at"])
    return connection


def enforcement_allowed[C: SsoSettings](connection: C | None, enforced: bool) -> C:
    """The connection whose enforcement may change: turning it on needs a successful test
    since the last change and a break-glass person."""
    if connection is None:
        raise SsoNotConfigured()
    if enforced and not connection.tested_since_change:
        raise SsoNotTested()
    if enforced and connection.break_glass_user_id is None:
        raise SsoBreakGlassMissing()
    return connection


@transaction.atomic
def sso_test_record(*, actor: Any, version: int, identity: Mapping[str, Any]) -> SsoConnection:
    """A test sign-in succeeded with the connection at `version` (the admin who started it is
    the actor): enforcement may follow. A test started before the last change counts for
    nothing."""
    _require_admin(actor)
    connection = tested_mark(_locked(), version)
    event_record(
        actor=actor,
        action="sso.tested",
        subject_type="sso_connection",
        subject_id=connection.pk,
        after={
            "email": identity.get("email"),
            "groups": list(identity.get("groups", [])),
            "roles": mapped_roles(connection, identity.get("groups", [])),
            "version": version,
        },
    )
    return connection


@transaction.atomic
def sso_enforce(*, actor: Any, enforced: bool) -> SsoConnection:
    """Turn enforcement on (only after a successful test since the last change, with a
    break-glass admin chosen) or off."""
    _require_admin(actor)
    connection = enforcement_allowed(_locked(), enforced)
    if connection.enforced == enforced:
        return connection
    connection.enforced = enforced
    connection.save(update_fields=["enforced"])
    event_record(
        actor=actor,
        action="sso.enforced" if enforced else "sso.enforcement_ended",
        subject_type="sso_connection",
        subject_id=connection.pk,
        before={"enforced": not enforced},
        after={"enforced": enforced},
    )
    return connection


def mapped_roles(connection: SsoSettings, groups: Iterable[str]) -> list[str]:
    mapping = connection.role_mapping or {}
    return sorted({role for group in groups for role in mapping.get(str(group), [])})


@transaction.atomic
def sso_user_sign_in(*, connection: SsoConnection, identity: Mapping[str, Any]) -> User:
    """The person a verified sign-in names: created just in time, their roles set from their
    groups on each sign-in (through accounts' role service, audited)."""
    email = normalised_identity(identity.get("email"))
    if not email or "@" not in email:
        raise ValidationFailed(errors={"email": [_("The identity provider sent no e-mail.")]})
    roles = mapped_roles(connection, identity.get("groups", []))
    user = User.objects.with_identity(email).select_for_update().first()
    if user is not None and (user.is_service_account or not user.is_active):
        raise PermissionRefused(_("This account may not sign in."))
    if user is None:
        plan_guard("active_users", people_with_access)
        user = User(email=email, first_name=str(identity.get("name") or "")[:150])
        user.set_unusable_password()
        user.save()
        event_record(
            actor=SYSTEM,
            action="user.created_by_sso",
            subject_type="user",
            subject_id=user.pk,
            after={"email": email, "groups": list(identity.get("groups", []))},
        )
    current = sorted(user.groups.values_list("name", flat=True))
    if current != roles:
        user_set_roles(actor=SYSTEM, user=user, roles=roles)
    event_record(
        actor=user,
        action="sso.signed_in",
        subject_type="user",
        subject_id=user.pk,
        data={"protocol": connection.protocol, "roles": roles},
    )
    return User.objects.get(pk=user.pk)


@transaction.atomic
def break_glass_sign_in_record(*, user: User, channel: str) -> None:
    """The break-glass admin signed in with a password while SSO is enforced."""
    event_record(
        actor=user,
        action="sso.break_glass_sign_in",
        subject_type="user",
        subject_id=user.pk,
        data={"channel": channel},
    )


@transaction.atomic
def sso_refusal_record(
    *,
    protocol: str,
    reason: str,
    purpose: str,
    subject: tuple[str, object] = ("sso_connection", 1),
) -> None:
    """A sign-in response refused (a check failed): nobody was signed in. `subject` is whose
    connection it was (a partner's names its own)."""
    event_record(
        actor=SYSTEM,
        action="sso.sign_in_refused",
        subject_type=subject[0],
        subject_id=subject[1],
        data={"protocol": protocol, "reason": reason, "purpose": purpose},
    )
