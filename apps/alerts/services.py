"""The one writer of alerts: the evaluation compares the conditions true now with the open
alerts, raises the new ones (once per rule and subject) and resolves those whose condition
cleared. Each raise and resolve writes its event (`alert.raised`, `alert.resolved`); a raise
tells the tenant admins by e-mail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.language import mail_in_their_languages
from apps.accounts.models import User
from apps.accounts.roles import TENANT_ADMIN
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.policies.alert_section import DEFAULT_ALERT_POLICY
from apps.policies.document import validate_document
from apps.policies.selectors import NoPublishedPolicy, policy_published
from apps.tenancy.context import current_tenant
from apps.tenancy.selectors import primary_domain

from .models import Alert
from .rules import Condition, conditions_now

log = structlog.get_logger("spendgate.alerts")
ACTOR = "system:alerts"


def alert_thresholds() -> dict[str, Any]:
    """The published policy's `alerts` section (its defaults filled in), or the defaults."""
    try:
        return dict(validate_document(policy_published().document)["alerts"])
    except NoPublishedPolicy:
        return dict(DEFAULT_ALERT_POLICY)


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "id": str(alert.pk),
        "kind": alert.kind,
        "rule": alert.rule,
        "subject": alert.subject,
        "link": alert.link,
        "detail": alert.detail,
        "raised_at": alert.raised_at.isoformat(),
    }


def alerts_evaluate(
    *, now: datetime | None = None, rules: Iterable[str] | None = None
) -> dict[str, int]:
    """Raise what holds and is not open yet; resolve what is open and no longer holds (of
    `rules` only, when given: the others' alerts are left as they are)."""
    now = now or timezone.now()
    holding = {(c.rule, c.key): c for c in conditions_now(alert_thresholds(), now, rules)}
    found = Alert.objects.filter(status=Alert.Status.OPEN)
    if rules is not None:
        found = found.filter(rule__in=list(rules))
    open_alerts = {(a.rule, a.subject_key): a.pk for a in found}
    raised = sum(
        alert_raise(condition=c, now=now) is not None
        for key, c in holding.items()
        if key not in open_alerts
    )
    resolved = sum(
        alert_resolve(alert_id=pk, now=now) is not None
        for key, pk in open_alerts.items()
        if key not in holding
    )
    return {"raised": raised, "resolved": resolved, "open": len(holding)}


def alert_raise(*, condition: Condition, now: datetime) -> Alert | None:
    """One alert for a condition, unless one is open for its rule and subject already (a
    concurrent evaluation raised it: the unique constraint answers, nothing is written)."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=condition.rule,
                kind=condition.kind,
                subject_key=condition.key[:200],
                subject=condition.subject[:300],
                link=condition.link[:500],
                detail=condition.detail[:500],
                raised_at=now,
            )
            event_record(
                actor=ACTOR,
                action="alert.raised",
                subject_type="alert",
                subject_id=alert.pk,
                payload=alert_payload(alert),
            )
            _tell_admins(alert)
    except IntegrityError:
        return None
    log.info("alert_raised", rule=alert.rule, subject=alert.subject_key)
    return alert


@transaction.atomic
def alert_resolve(*, alert_id: Any, now: datetime) -> Alert | None:
    """Its condition cleared: the alert is resolved (once; an alert resolved meanwhile is
    left as it is)."""
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None or alert.status != Alert.Status.OPEN:
        return None
    move_status(alert, Alert.Status.RESOLVED, noun=_("alert"))
    alert.resolved_at = now
    alert.save(update_fields=["status", "resolved_at"])
    payload = alert_payload(alert)
    del payload["detail"]
    event_record(
        actor=ACTOR,
        action="alert.resolved",
        subject_type="alert",
        subject_id=alert.pk,
        payload={**payload, "resolved_at": now.isoformat()},
    )
    log.info("alert_resolved", rule=alert.rule, subject=alert.subject_key)
    return alert


def _send(subject: str, body: str, addresses: list[str]) -> None:
    send_mail(subject, body, None, addresses)


def _tell_admins(alert: Alert) -> None:
    admins = list(User.objects.filter(groups__name=TENANT_ADMIN, is_active=True))
    message = f"{alert.subject}: {alert.detail}"
    if not any(admin.email for admin in admins):
        return
    tenant = current_tenant()
    name = getattr(tenant, "portal_name", "") or getattr(tenant, "name", "") or "Spendgate"
    host = primary_domain(tenant) if tenant else ""
    # development hosts (acme.localhost) answer plain HTTP
    where = f"{'http' if settings.DEBUG else 'https'}://{host}{alert.link}" if host else alert.link

    def compose() -> tuple[str, str]:  # in each admin's language (the kind's name)
        body = _("%(message)s\n\nKind: %(kind)s. Act here: %(where)s") % {
            "message": message,
            "kind": alert.get_kind_display(),
            "where": where,
        }
        title = _("[%(name)s] Alert: %(subject)s") % {"name": name, "subject": alert.subject}
        return title[:200], body

    def mail() -> None:
        try:
            mail_in_their_languages(admins, compose, _send)
        except Exception:  # the alert and its event are recorded either way
            log.exception("alert_mail_failed", recipients=len(admins))

    transaction.on_commit(mail)
