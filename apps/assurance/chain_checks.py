"""Checks of a tenant's audit chain: nightly from the last checkpoint, weekly and on demand
the whole chain (apps.assurance.checkpoints). Each is recorded, and when the chain is broken,
tenant admins and the partner who runs the tenant are told."""

from __future__ import annotations

from typing import Any

import structlog
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.language import mail_in_their_languages
from apps.accounts.models import User
from apps.accounts.roles import TENANT_ADMIN
from apps.audit.selectors import ChainVerification, audit_chain_verify
from apps.controls.guards import require
from apps.events.services import event_record, events_chain_link
from apps.telemetry.metrics import count

from .checkpoints import EventsVerification, events_verify, last_checkpoint, pin_of
from .models import ChainCheck

log = structlog.get_logger("spendgate.audit")


def _partner_emails(tenant: Any) -> list[str]:
    """The partner's people live in the public schema."""
    if tenant is None or getattr(tenant, "partner_id", None) is None:
        return []
    from apps.tenancy.context import public_context
    from apps.tenancy.models import PartnerMembership

    with public_context():
        return list(
            PartnerMembership.objects.filter(partner_id=tenant.partner_id).values_list(
                "user__email", flat=True
            )
        )


def _broken_sentence(result: Any) -> str:
    return _("The audit trail's hash chain is broken at event %(id)s (%(n)s events).") % {
        "id": result.first_bad,
        "n": result.count,
    }


def audit_chain_check(
    *, trigger: str = "nightly", actor: Any = None, incremental: bool = False
) -> ChainCheck:
    """Verify the tenant's chain and keep the result; a broken chain alerts tenant admins and
    the partner. The whole chain unless `incremental` (the nightly check): then from the last
    trusted checkpoint on, its own event included, or the whole chain when there is none.
    Nightly and weekly by beat, or on demand by an auditor (`actor`)."""
    from apps.workflow.notices import tell

    require(actor, "accounts.view_audit")

    started = timezone.now()
    # what is committed now is linked first (waiting for the writers in flight), so the check
    # reads it; what stays unlinked is the `audit_chain_unlinked` alert's
    events_chain_link()
    checkpoint = last_checkpoint() if incremental else None
    if checkpoint is None:
        scope, result = ChainCheck.Scope.FULL, audit_chain_verify()
    else:
        scope = ChainCheck.Scope.INCREMENTAL
        result = audit_chain_verify(start=checkpoint.last_event, pins=pin_of(checkpoint))
    count("audit_chain_check", result="valid" if result.valid else "broken")
    tenant = getattr(connection, "tenant", None)
    with transaction.atomic():
        check = chain_check_record(result, trigger=trigger, scope=scope, started=started)
        if result.valid:
            return check
        admins = list(User.objects.filter(groups__name=TENANT_ADMIN, is_active=True))
        tell(admins, lambda: _broken_sentence(result), kind="audit.chain_broken")
        event_record(
            actor="system:audit",
            action="audit_chain.broken",
            subject_type="audit_chain",
            subject_id=getattr(tenant, "slug", "") or "tenant",
            data={
                "first_bad": result.first_bad,
                "count": result.count,
                "trigger": trigger,
                "scope": scope,
            },
        )
    recipients = [*admins, *_partner_emails(tenant)]
    if recipients:
        name = getattr(tenant, "portal_name", "") or getattr(tenant, "name", "")

        def compose() -> tuple[str, str]:  # in each reader's language
            return _("[%s] Audit chain broken") % name, _broken_sentence(result)

        try:
            mail_in_their_languages(recipients, compose, lambda s, b, to: send_mail(s, b, None, to))
        except Exception:  # the check and the in-app notices are recorded either way
            log.exception("chain_alert_mail_failed", recipients=len(recipients))
    return check


def chain_check_record(
    result: ChainVerification | EventsVerification,
    *,
    trigger: str,
    scope: str,
    started: Any,
) -> ChainCheck:
    """Keep a check's result. A valid whole or incremental one is a checkpoint: its last
    event's hash is kept with it (a pack's ranges leave none)."""
    checkpoint = result.valid and scope != ChainCheck.Scope.PACK
    return ChainCheck.objects.create(
        checked_at=started,
        valid=result.valid,
        count=result.count,
        first_bad=result.first_bad,
        trigger=trigger,
        scope=scope,
        first_event=result.first,
        last_event=result.last,
        last_hash=result.last_hash if checkpoint else "",
    )


def pack_chain_check(events: list[int]) -> EventsVerification:
    """An evidence pack's events verified through checkpoints at its generation (the whole
    chain when no checkpoint is trusted), recorded."""
    started = timezone.now()
    found = events_verify(events)
    chain_check_record(found, trigger="pack", scope=found.scope, started=started)
    return found
