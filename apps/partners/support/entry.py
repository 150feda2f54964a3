"""Entering a client tenant under a support grant: the one path.

On the partner's host the grant's own partner person asks for a hand-off: a random ticket,
kept only as its SHA-256 digest, good once and for `HANDOFF_SECONDS`. The browser carries it to
the tenant's host (/support/enter/<ticket>/), which signs in the grant's stand-in when the
ticket is fresh and unused, names this tenant, and the grant is live."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.refusals import InvalidTransition, NotFound, PermissionRefused
from apps.events.services import event_record
from apps.tenancy.context import current_tenant
from apps.tenancy.services import partner_of

from ..access_models import AccessGrant, SupportHandoff
from .services import grant_pk
from .standin import standin_for

HANDOFF_SECONDS = 60
SESSION_KEY = "support_grant_id"


def digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


@transaction.atomic
def handoff_mint(*, actor: Any, grant_id: Any) -> tuple[AccessGrant, str]:
    """A one-time ticket into the client's portal for the grant's own partner person."""
    partner_of(actor, "request_support_access")
    pk = grant_pk(grant_id)
    grant = (
        AccessGrant.objects.select_related("client", "partner")
        .filter(pk=pk, partner_user=actor)
        .first()
    )
    if grant is None:
        raise NotFound()
    if not grant.is_live():
        raise InvalidTransition(_("This support access is not active."))
    ticket = secrets.token_urlsafe(32)
    now = timezone.now()
    SupportHandoff.objects.create(
        grant=grant,
        digest=digest(ticket),
        created_at=now,
        expires_at=now + timedelta(seconds=HANDOFF_SECONDS),
    )
    return grant, ticket


@transaction.atomic
def support_enter(*, ticket: str) -> tuple[AccessGrant, User]:
    """The grant and its stand-in (in the current tenant's schema) for a fresh ticket; the
    ticket is spent once it opened the portal. The caller signs the stand-in in."""
    refused = PermissionRefused(
        _("This link into the portal is no longer valid. Open the portal again from the console.")
    )
    handoff = (
        SupportHandoff.objects.select_for_update(of=("self",))
        .select_related("grant", "grant__partner", "grant__client")
        .filter(digest=digest(str(ticket or "")))
        .first()
    )
    if handoff is None or handoff.used_at is not None:
        raise refused
    now = timezone.now()
    grant = handoff.grant
    client = current_tenant()
    if handoff.expires_at <= now or client is None or grant.client_id != client.pk:
        raise refused
    if not grant.is_live(now):
        raise PermissionRefused(_("This support access is not active."))
    SupportHandoff.objects.filter(pk=handoff.pk).update(used_at=now)
    user = standin_for(grant)
    event_record(
        actor=user,
        action="support_access.entered",
        subject_type="access_grant",
        subject_id=grant.pk,
        data={"grant": grant.pk, "partner_user": grant.partner_user_email, "scope": grant.scope},
    )
    return grant, user
