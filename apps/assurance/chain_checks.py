"""The nightly check of a tenant's audit chain: recorded, and when broken, tenant admins and
the partner who runs the tenant are told."""

from __future__ import annotations

from typing import Any

import structlog
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.accounts.language import mail_in_their_languages
from apps.accounts.models import User
from apps.accounts.roles import TENANT_ADMIN
from apps.audit.selectors import audit_chain_verify
from apps.controls.guards import require
from apps.events.services import event_record
from apps.telemetry.metrics import count

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


def audit_chain_check(*, trigger: str = "nightly", actor: Any = None) -> ChainCheck:
    """Verify the tenant's chain and keep the result; a broken chain alerts tenant admins and
    the partner. Nightly by beat, or on demand by an auditor (`actor`)."""
    from apps.workflow.notices import tell

    require(actor, "accounts.view_audit")

    result = audit_chain_verify()
    count("audit_chain_check", result="valid" if result.valid else "broken")
    tenant = getattr(connection, "tenant", None)
    with transaction.atomic():
        check = ChainCheck.objects.create(
            valid=result.valid, count=result.count, first_bad=result.first_bad, trigger=trigger
        )
        if result.valid:
            return check
        admins = list(User.objects.filter(groups__name=TENANT_ADMIN, is_active=True))
        tell(admins, lambda: _broken_sentence(result), kind="audit.chain_broken")
        event_record(
            actor="system:audit",
            action="audit_chain.broken",
            subject_type="audit_chain",
            subject_id=getattr(tenant, "slug", "") or "tenant",
            data={"first_bad": result.first_bad, "count": result.count, "trigger": trigger},
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
