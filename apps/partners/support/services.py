"""Writes on support access: a partner support person asks; the client's admins approve,
refuse or revoke, and choose whether an emergency read-only request opens at once.

The request is made on the partner's host; its event is written into the client tenant's own
trail (the client reads who asked it for what). Decisions are made on the tenant's host."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.language import mail_in_their_languages, own_choice
from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.tenancy.context import current_tenant, public_context, tenant_context
from apps.tenancy.models import Client
from apps.tenancy.services import partner_of
from apps.workflow.notices import tell

from ..access_models import (
    ANSWER_HOURS,
    MAX_HOURS,
    READ_SCOPE,
    AccessGrant,
    SupportAccessSetting,
)
from .scopes import SCOPES, scope_label
from .selectors import emergency_preapproved
from .standin import standin_end

log = structlog.get_logger("spendgate.support_access")
ADMIN_CAPABILITIES = ("accounts.manage_users", "accounts.manage_settings")
SUBJECT = "access_grant"


def partner_actor(user: Any) -> str:
    """How a partner person appears in a client's trail (apps.portal.labels.actor_label)."""
    return f"partner:{user.email}"


def grant_snapshot(grant: AccessGrant) -> dict[str, Any]:
    return {
        "status": grant.status,
        "partner_user": grant.partner_user_email,
        "partner": grant.partner.name,
        "reason": grant.reason,
        "scope": grant.scope,
        "hours": grant.hours,
        "emergency": grant.emergency,
        "expires_at": grant.expires_at,
    }


def _checked(reason: str, scope: str, hours: Any, emergency: bool) -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why you need access; the client reads it.")]
    if scope not in SCOPES:
        errors["scope"] = [_("Choose read only or one of the named write capabilities.")]
    elif emergency and scope != READ_SCOPE:
        errors["scope"] = [_("Emergency access is read only.")]
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= MAX_HOURS:
        errors["hours"] = [_("Ask for 1 to %(max)s hours.") % {"max": MAX_HOURS}]
    if errors:
        raise ValidationFailed(errors=errors)
    return reason, hours


def tenant_admins() -> list[User]:
    """The current tenant's people who decide on support access (they manage users or
    settings)."""
    codenames = [c.split(".", 1)[1] for c in ADMIN_CAPABILITIES]
    return list(
        User.objects.filter(is_active=True, is_service_account=False)
        .filter(
            Q(groups__permissions__codename__in=codenames)
            | Q(user_permissions__codename__in=codenames)
        )
        .distinct()
        .order_by("email")
    )


def _tell_admins(grant: AccessGrant, *, opened: bool) -> None:
    """A home notice and, after the commit, an e-mail for each of the tenant's admins, each
    in that admin's language."""
    values = {
        "who": grant.partner_person,
        "partner": grant.partner.name,
        "hours": grant.hours,
        "reason": grant.reason,
    }

    def message() -> str:
        facts = {**values, "scope": scope_label(grant.scope)}
        if opened:
            return (
                _(
                    "%(who)s of %(partner)s opened emergency support access (%(scope)s, "
                    "%(hours)s h), which you pre-approved: %(reason)s"
                )
                % facts
            )
        return (
            _("%(who)s of %(partner)s asks for support access (%(scope)s, %(hours)s h): %(reason)s")
            % facts
        )

    admins = tenant_admins()
    kind = "support_access.opened" if opened else "support_access.requested"
    tell(admins, message, kind=kind, subject_type=SUBJECT, subject_id=str(grant.pk))
    portal = grant.client.portal_name

    def compose() -> tuple[str, str]:
        where = _("See, approve, refuse or revoke it under Settings → Support access.")
        return _("[%(portal)s] Support access") % {"portal": portal}, f"{message()}\n\n{where}"

    if admins:
        transaction.on_commit(lambda: _mail(admins, compose))


def _mail(admins: list[User], compose: Callable[[], tuple[str, str]]) -> None:
    try:
        mail_in_their_languages(
            admins, compose, lambda subject, body, to: send_mail(subject, body, None, to)
        )
    except Exception:  # the request and its notices are recorded either way
        log.exception("support_access_mail_failed", recipients=len(admins))


@transaction.atomic
def access_request(
    *,
    actor: Any,
    tenant: str,
    reason: str,
    scope: str = READ_SCOPE,
    hours: Any = 1,
    emergency: bool = False,
) -> AccessGrant:
    """A partner support person asks one of the partner's own clients for access. An
    emergency read-only request opens at once where the client pre-approved that."""
    partner = partner_of(actor, "request_support_access")
    client = Client.objects.filter(partner=partner, slug=str(tenant or "").strip()).first()
    if client is None:
        raise NotFound(_("None of your clients has this tenant name."))
    reason, hours = _checked(reason, scope, hours, emergency)
    now = timezone.now()
    grant = AccessGrant(
        partner=partner,
        partner_user=actor,
        partner_user_email=actor.email,
        partner_user_name=actor.get_full_name(),
        client=client,
        reason=reason,
        scope=scope,
        hours=hours,
        emergency=bool(emergency),
        requested_at=now,
    )
    opened = bool(emergency) and emergency_preapproved(client)
    if opened:
        grant.status = AccessGrant.Status.ACTIVE
        grant.decided_at = grant.starts_at = now
        grant.decided_by = str(_("pre-approved by the client"))
        grant.expires_at = now + timedelta(hours=hours)
    grant.save()
    with tenant_context(client):
        event_record(
            actor=partner_actor(actor),
            action="support_access.opened" if opened else "support_access.requested",
            subject_type=SUBJECT,
            subject_id=grant.pk,
            after=grant_snapshot(grant),
        )
        _tell_admins(grant, opened=opened)
    return grant


MAX_ID = 2**63 - 1


def grant_pk(value: Any) -> int:
    """A grant id from a path or a form: a whole number the table can hold, else 0 (none)."""
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return 0
    return pk if 0 < pk <= MAX_ID else 0


def _locked(grant_id: Any) -> AccessGrant:
    """The current tenant's grant, locked; 404 for any other tenant's or none."""
    client = current_tenant()
    pk = grant_pk(grant_id)
    grant = (
        AccessGrant.objects.select_for_update(of=("self",))
        .select_related("partner", "client")
        .filter(pk=pk, client=client)
        .first()
        if client is not None
        else None
    )
    if grant is None:
        raise NotFound()
    return grant


def _tell_partner_user(grant: AccessGrant, compose: Callable[[], str]) -> None:
    """An e-mail to the partner person who asked, in their own language (a partner person
    has no organisation language of a client's: the client's default is not theirs)."""
    with public_context():  # partner people live in the public schema
        person = User.objects.filter(pk=grant.partner_user_id).first()
    language = own_choice(person) or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("Support access to %(client)s") % {"client": grant.client.portal_name}
        text = compose()
    email = grant.partner_user_email
    transaction.on_commit(lambda: _send(subject, text, [email]))


def _send(subject: str, body: str, recipients: list[str]) -> None:
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the decision is recorded either way
        log.exception("support_access_mail_failed", recipients=len(recipients))


@transaction.atomic
def access_grant_approve(*, actor: Any, grant_id: Any, note: str = "") -> AccessGrant:
    """A tenant admin opens a waiting request: it runs for its hours from now."""
    require(
        actor, *ADMIN_CAPABILITIES, detail=_("Only the tenant's admins decide on support access.")
    )
    grant = _locked(grant_id)
    if grant.is_unanswered_too_long():
        raise InvalidTransition(
            _(
                "This request waited more than %(hours)s hours and has lapsed; the partner "
                "asks again if the need remains."
            )
            % {"hours": ANSWER_HOURS}
        )
    before = grant_snapshot(grant)
    move_status(grant, AccessGrant.Status.ACTIVE, noun=_("support access request"))
    now = timezone.now()
    grant.decided_at = grant.starts_at = now
    grant.expires_at = now + timedelta(hours=grant.hours)
    grant.decided_by = actor.email
    grant.decision_note = (note or "").strip()[:500]
    grant.save(
        update_fields=[
            "status", "decided_at", "starts_at", "expires_at", "decided_by", "decision_note"
        ]
    )  # fmt: skip
    event_record(
        actor=actor,
        action="support_access.approved",
        subject_type=SUBJECT,
        subject_id=grant.pk,
        before=before,
        after=grant_snapshot(grant),
    )
    until = grant.expires_at or timezone.now()
    _tell_partner_user(
        grant,
        lambda: (
            _("%(client)s approved your support access until %(until)s UTC.")
            % {
                "client": grant.client.portal_name,
                "until": date_format(until, "SHORT_DATETIME_FORMAT"),
            }
        ),
    )
    return grant


@transaction.atomic
def access_grant_refuse(*, actor: Any, grant_id: Any, note: str = "") -> AccessGrant:
    require(
        actor, *ADMIN_CAPABILITIES, detail=_("Only the tenant's admins decide on support access.")
    )
    grant = _locked(grant_id)
    before = grant_snapshot(grant)
    move_status(grant, AccessGrant.Status.REFUSED, noun=_("support access request"))
    grant.decided_at = timezone.now()
    grant.decided_by = actor.email
    grant.decision_note = (note or "").strip()[:500]
    grant.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    event_record(
        actor=actor,
        action="support_access.refused",
        subject_type=SUBJECT,
        subject_id=grant.pk,
        before=before,
        after={**grant_snapshot(grant), "note": grant.decision_note},
    )
    _tell_partner_user(
        grant,
        lambda: (
            _("%(client)s refused your support access request.")
            % {"client": grant.client.portal_name}
        ),
    )
    return grant


@transaction.atomic
def access_grant_revoke(*, actor: Any, grant_id: Any) -> AccessGrant:
    """A tenant admin ends an active grant now: the stand-in's sessions end with it."""
    require(actor, *ADMIN_CAPABILITIES, detail=_("Only the tenant's admins revoke support access."))
    grant = _locked(grant_id)
    if grant.status == AccessGrant.Status.ACTIVE and not grant.is_live():
        raise InvalidTransition(_("This support access has already expired."))
    before = grant_snapshot(grant)
    move_status(grant, AccessGrant.Status.REVOKED, noun=_("support access"))
    grant.ended_at = timezone.now()
    grant.ended_by = actor.email
    grant.save(update_fields=["status", "ended_at", "ended_by"])
    standin_end(grant)
    event_record(
        actor=actor,
        action="support_access.revoked",
        subject_type=SUBJECT,
        subject_id=grant.pk,
        before=before,
        after=grant_snapshot(grant),
    )
    _tell_partner_user(
        grant,
        lambda: _("%(client)s revoked your support access.") % {"client": grant.client.portal_name},
    )
    return grant


def access_grant_lapse(grant: AccessGrant) -> None:
    """An active grant found past its end (by the gate, or the lists): written as expired and
    its stand-in ended. Time already ended it; this only records it (a system step)."""
    now = timezone.now()
    with transaction.atomic():
        moved = AccessGrant.objects.filter(
            pk=grant.pk, status=AccessGrant.Status.ACTIVE, expires_at__lte=now
        ).update(status=AccessGrant.Status.EXPIRED, ended_at=now)
        if not moved:
            return
        with tenant_context(grant.client):
            standin_end(grant)
            event_record(
                actor="system:support_access",
                action="support_access.expired",
                subject_type=SUBJECT,
                subject_id=grant.pk,
                before={"status": AccessGrant.Status.ACTIVE},
                after={"status": AccessGrant.Status.EXPIRED},
            )


def access_request_lapse(grant: AccessGrant) -> None:
    """A request left unanswered past ANSWER_HOURS, written as expired (a system step); the
    partner person is told, so they ask again if the need remains."""
    now = timezone.now()
    with transaction.atomic():
        moved = AccessGrant.objects.filter(
            pk=grant.pk,
            status=AccessGrant.Status.PENDING,
            requested_at__lte=now - timedelta(hours=ANSWER_HOURS),
        ).update(status=AccessGrant.Status.EXPIRED, ended_at=now)
        if not moved:
            return
        with tenant_context(grant.client):
            event_record(
                actor="system:support_access",
                action="support_access.request_lapsed",
                subject_type=SUBJECT,
                subject_id=grant.pk,
                before={"status": AccessGrant.Status.PENDING},
                after={"status": AccessGrant.Status.EXPIRED},
            )
        _tell_partner_user(
            grant,
            lambda: (
                _("Your support access request to %(client)s was not answered in %(hours)s hours.")
                % {"client": grant.client.portal_name, "hours": ANSWER_HOURS}
            ),
        )


def support_grants_lapse() -> int:
    """Every active grant past its end, and every request unanswered past ANSWER_HOURS,
    lapsed (beat's minute task on the public schema)."""
    now = timezone.now()
    due = list(
        AccessGrant.objects.filter(
            Q(status=AccessGrant.Status.ACTIVE, expires_at__lte=now)
            | Q(
                status=AccessGrant.Status.PENDING,
                requested_at__lte=now - timedelta(hours=ANSWER_HOURS),
            )
        ).select_related("partner", "client")
    )
    for grant in due:
        if grant.status == AccessGrant.Status.PENDING:
            access_request_lapse(grant)
        else:
            access_grant_lapse(grant)
    return len(due)


@transaction.atomic
def support_setting_update(*, actor: Any, emergency_read_preapproved: bool) -> SupportAccessSetting:
    """A tenant admin chooses whether an emergency read-only request opens at once."""
    require(actor, "accounts.manage_settings", detail=_("Only the tenant's admins change this."))
    client = current_tenant()
    if client is None:
        raise NotFound()
    setting, _created = SupportAccessSetting.objects.select_for_update().get_or_create(
        client=client
    )
    before = setting.emergency_read_preapproved
    setting.emergency_read_preapproved = bool(emergency_read_preapproved)
    setting.changed_at = timezone.now()
    setting.changed_by = actor.email
    setting.save(update_fields=["emergency_read_preapproved", "changed_at", "changed_by"])
    event_record(
        actor=actor,
        action="support_access.setting_changed",
        subject_type="tenant",
        subject_id=client.slug,
        before={"emergency_read_preapproved": before},
        after={"emergency_read_preapproved": setting.emergency_read_preapproved},
    )
    return setting
