"""Who may reach Spendgate from outside, made by tenant admins and audited: service accounts
(an API key with scopes, legal entities and an expiry) and ERP connections (a `whsec_` secret
the ERP signs its events with). Keys and secrets are returned once and never again."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.events.services import event_record
from apps.organization.models import LegalEntity
from apps.suppliers.secrets import encrypt

from ..models import ErpConnection, ServiceAccount
from ..scopes import SCOPES, new_key
from ..webhooks.signing import ROTATED_FIELDS, new_secret, rotate

DEFAULT_OVERLAP_HOURS = 24
MAX_OVERLAP_HOURS = 24 * 7


def _name(data: dict[str, Any], errors: dict[str, list[str]]) -> str:
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give it a name people will recognise.")]
    return name[:100]


def clean_legal_entities(data: dict[str, Any], errors: dict[str, list[str]]) -> list[str]:
    """The legal entity codes `data` names, each checked to exist (empty: every entity)."""
    codes = data.get("legal_entities") or []
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors["legal_entities"] = [_("Give a list of legal entity codes, or none for all.")]
        return []
    wanted = sorted({c.strip().upper() for c in codes if c.strip()})
    known = set(LegalEntity.objects.filter(code__in=wanted).values_list("code", flat=True))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        errors["legal_entities"] = [_("No such legal entity: %s.") % ", ".join(unknown)]
    return wanted


def _record(actor: User, kind: str, subject: Any, verb: str, **extra: Any) -> None:
    event_record(
        actor=actor, action=f"{kind}.{verb}", subject_type=kind, subject_id=subject.pk, **extra
    )


def _account_summary(account: ServiceAccount) -> dict[str, Any]:
    return {
        "name": account.name,
        "scopes": account.scopes,
        "legal_entities": account.legal_entities,
        "expires_at": account.expires_at,
        "key_prefix": account.key_prefix,
    }


@transaction.atomic
def service_account_create(*, actor: User, data: dict[str, Any]) -> tuple[ServiceAccount, str]:
    """A new service account and its key (shown once)."""
    require(actor, "accounts.manage_webhooks")
    errors: dict[str, list[str]] = {}
    name = _name(data, errors)
    scopes = data.get("scopes") or []
    if not isinstance(scopes, list) or not scopes:
        errors["scopes"] = [_("Give at least one scope: %s.") % ", ".join(SCOPES)]
    elif unknown := sorted(set(map(str, scopes)) - set(SCOPES)):
        errors["scopes"] = [
            _("Unknown scope %(unknown)s; the scopes are %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(SCOPES)}
        ]
    entities = clean_legal_entities(data, errors)
    expires_at: datetime | None = data.get("expires_at")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if errors:
        raise ValidationFailed(errors=errors)
    key, prefix, digest = new_key()
    label = slugify(name)[:40] or "service"
    user = User(
        email=f"{label}.{uuid.uuid4().hex[:8]}@service-accounts.invalid",
        first_name=name[:150],
        is_service_account=True,
    )
    user.set_unusable_password()
    user.save()
    account = ServiceAccount.objects.create(
        name=name,
        user=user,
        scopes=sorted(set(scopes)),
        legal_entities=entities,
        expires_at=expires_at,
        key_prefix=prefix,
        key_digest=digest,
        created_by=actor,
    )
    _record(actor, "service_account", account, "created", after=_account_summary(account))
    return account, key


def _locked_account(account_id: Any) -> ServiceAccount:
    account = ServiceAccount.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound()
    return account


@transaction.atomic
def service_account_rotate(
    *, actor: User, account_id: Any, overlap_hours: int = DEFAULT_OVERLAP_HOURS
) -> tuple[ServiceAccount, str]:
    """A new key (shown once); the old one keeps working for `overlap_hours` (0: not at all)."""
    require(actor, "accounts.manage_webhooks")
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise ValidationFailed(
            errors={"overlap_hours": [_("Between 0 and %d hours.") % MAX_OVERLAP_HOURS]}
        )
    account = _locked_account(account_id)
    if account.revoked_at is not None:
        raise InvalidTransition(_("This service account is revoked; create a new one."))
    key, prefix, digest = new_key()
    account.previous_key_digest = account.key_digest
    account.previous_key_until = timezone.now() + timedelta(hours=overlap_hours)
    account.key_digest, account.key_prefix = digest, prefix
    account.save(
        update_fields=["previous_key_digest", "previous_key_until", "key_digest", "key_prefix"]
    )
    _record(
        actor,
        "service_account",
        account,
        "key_rotated",
        data={"previous_works_until": account.previous_key_until.isoformat(), "prefix": prefix},
    )
    return account, key


@transaction.atomic
def service_account_revoke(*, actor: User, account_id: Any) -> ServiceAccount:
    """Every key of the account stops working at once."""
    require(actor, "accounts.manage_webhooks")
    account = _locked_account(account_id)
    if account.revoked_at is not None:
        raise InvalidTransition(_("This service account is already revoked."))
    account.revoked_at = timezone.now()
    account.save(update_fields=["revoked_at"])
    User.objects.filter(pk=account.user_id).update(is_active=False)
    _record(actor, "service_account", account, "revoked", before=_account_summary(account))
    return account


@transaction.atomic
def erp_connection_create(*, actor: User, data: dict[str, Any]) -> tuple[ErpConnection, str]:
    """A new ERP connection and the secret it signs its events with (shown once)."""
    require(actor, "accounts.manage_webhooks")
    errors: dict[str, list[str]] = {}
    name, entities = _name(data, errors), clean_legal_entities(data, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    secret = new_secret()
    connection = ErpConnection.objects.create(
        name=name, legal_entities=entities, secret_encrypted=encrypt(secret), created_by=actor
    )
    _record(
        actor,
        "erp_connection",
        connection,
        "created",
        after={"name": name, "legal_entities": entities},
    )
    return connection, secret


def _locked_connection(connection_id: Any) -> ErpConnection:
    connection = ErpConnection.objects.select_for_update().filter(pk=connection_id).first()
    if connection is None:
        raise NotFound()
    return connection


@transaction.atomic
def erp_connection_rotate_secret(*, actor: User, connection_id: Any) -> tuple[ErpConnection, str]:
    """A new secret (shown once); events signed with the old one are accepted for 24 hours."""
    require(actor, "accounts.manage_webhooks")
    connection = _locked_connection(connection_id)
    secret = rotate(connection, timedelta(hours=DEFAULT_OVERLAP_HOURS))
    connection.save(update_fields=ROTATED_FIELDS)
    _record(actor, "erp_connection", connection, "secret_rotated")
    return connection, secret


@transaction.atomic
def erp_connection_delete(*, actor: User, connection_id: Any) -> None:
    """The ERP's events are refused from now on; those it sent are kept."""
    require(actor, "accounts.manage_webhooks")
    connection = _locked_connection(connection_id)
    _record(
        actor,
        "erp_connection",
        connection,
        "deleted",
        before={"name": connection.name, "legal_entities": connection.legal_entities},
    )
    connection.delete()
