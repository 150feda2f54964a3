"""Webhook endpoints: created, changed, rotated and removed by tenant admins, each change
audited. The secret is returned once, at creation or rotation, and kept encrypted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import NotFound, ValidationFailed
from apps.events.event_types import EVENT_TYPES
from apps.events.services import event_record
from apps.suppliers.secrets import encrypt

from ..models import WebhookEndpoint
from ..webhooks.guard import url_check
from ..webhooks.signing import ROTATED_FIELDS, new_secret, rotate
from .access import clean_legal_entities

ROTATION_OVERLAP = timedelta(hours=24)  # CONTRACT §4: both secrets sign for 24 h


def _clean(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "url" in data:
        clean["url"] = url_check(str(data["url"] or ""))
    if "event_types" in data:
        types = data["event_types"] or []
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            errors["event_types"] = [_("Give a list of event types, or none for every type.")]
        else:
            unknown = sorted(set(types) - set(EVENT_TYPES))
            if unknown:
                errors["event_types"] = [
                    _("Not in the event catalogue (docs/events.md): %s.") % ", ".join(unknown)
                ]
            clean["event_types"] = sorted(set(types))
    if "format" in data:
        if data["format"] not in WebhookEndpoint.Format.values:
            errors["format"] = [_("Choose standard, slack or teams.")]
        clean["format"] = data["format"]
    if "description" in data:
        clean["description"] = str(data["description"] or "")[:200]
    if "legal_entities" in data:
        clean["legal_entities"] = clean_legal_entities(data, errors)
    if "enabled" in data:
        clean["enabled"] = bool(data["enabled"])
    return clean


def _summary(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "format": endpoint.format,
        "legal_entities": endpoint.legal_entities,
        "enabled": endpoint.enabled,
        "description": endpoint.description,
    }


def _record(actor: User, endpoint: WebhookEndpoint, verb: str, **extra: Any) -> None:
    event_record(
        actor=actor,
        action=f"webhook_endpoint.{verb}",
        subject_type="webhook_endpoint",
        subject_id=endpoint.pk,
        **extra,
    )


@transaction.atomic
def endpoint_create(*, actor: User, data: dict[str, Any]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (shown once)."""
    require(actor, "accounts.manage_webhooks")
    if not data.get("url"):
        raise ValidationFailed(errors={"url": [_("This field is required.")]})
    errors: dict[str, list[str]] = {}
    clean = _clean(data, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        **clean, secret_encrypted=encrypt(secret), created_by=actor
    )
    _record(actor, endpoint, "created", after=_summary(endpoint))
    return endpoint, secret


def _locked(endpoint_id: Any) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


@transaction.atomic
def endpoint_update(*, actor: User, endpoint_id: Any, data: dict[str, Any]) -> WebhookEndpoint:
    require(actor, "accounts.manage_webhooks")
    endpoint = _locked(endpoint_id)
    errors: dict[str, list[str]] = {}
    clean = _clean(data, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    before = _summary(endpoint)
    for field, value in clean.items():
        setattr(endpoint, field, value)
    if clean.get("enabled"):  # switched back on by a person: its failure history starts anew
        endpoint.disabled_reason, endpoint.failing_since = "", None
    endpoint.save()
    _record(actor, endpoint, "updated", before=before, after=_summary(endpoint))
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: User, endpoint_id: Any) -> None:
    require(actor, "accounts.manage_webhooks")
    endpoint = _locked(endpoint_id)
    _record(actor, endpoint, "deleted", before=_summary(endpoint))
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, actor: User, endpoint_id: Any) -> tuple[WebhookEndpoint, str]:
    """A new secret (shown once); the old one keeps signing beside it for 24 hours so that
    receivers can switch without losing a message."""
    require(actor, "accounts.manage_webhooks")
    endpoint = _locked(endpoint_id)
    secret = rotate(endpoint, ROTATION_OVERLAP)
    endpoint.save(update_fields=ROTATED_FIELDS)
    _record(
        actor,
        endpoint,
        "secret_rotated",
        data={"previous_signs_until": endpoint.previous_secret_until},
    )
    return endpoint, secret
