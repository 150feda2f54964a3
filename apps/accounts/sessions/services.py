"""Ending signed-in sessions: one, or all of a person's but the one the request runs in. A
person ends their own; a tenant admin (`accounts.manage_users`) ends anyone's in their
tenant. The Django session is deleted (the browser is signed out at its next request) with its
record, and each ending is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils.translation import gettext as _

from apps.controls.guards import require
from apps.controls.refusals import NotFound, PermissionRefused
from apps.events.services import event_record

from ..models import User, UserSession


def _may_end(actor: Any, owner_id: int) -> None:
    if not isinstance(actor, User) or actor.is_service_account or not actor.is_active:
        raise PermissionRefused(_("Only a person may end sign-in sessions."))
    if actor.pk != owner_id:
        require(
            actor,
            "accounts.manage_users",
            detail=_("Only an admin may end another person's sessions."),
        )


def _ended(actor: Any, records: list[UserSession], *, reason: str) -> int:
    keys = [r.session_key for r in records]
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(pk__in=[r.pk for r in records]).delete()
    for record in records:
        event_record(
            actor=actor,
            action="user_session.revoked",
            subject_type="user",
            subject_id=record.user_id,
            before={
                "session": record.pk,
                "signed_in_at": record.signed_in_at.isoformat(),
                "ip_address": record.ip_address,
                "user_agent": record.user_agent[:120],
            },
            data={"by_admin": actor.pk != record.user_id, "reason": reason},
        )
    return len(records)


@transaction.atomic
def user_session_revoke(*, actor: Any, session_id: int) -> UserSession:
    record = UserSession.objects.select_for_update().filter(pk=session_id).first()
    if record is None:
        _may_end(actor, getattr(actor, "pk", -1))
        raise NotFound(_("That session has already ended."))
    _may_end(actor, record.user_id)
    _ended(actor, [record], reason="one")
    return record


@transaction.atomic
def user_sessions_revoke_all(*, actor: Any, user_id: int, keep_session_key: str = "") -> int:
    """Every session of the person but `keep_session_key` (the one they act from); how many
    ended."""
    _may_end(actor, user_id)
    if not User.objects.filter(pk=user_id).exists():
        raise NotFound(_("No such person."))
    records = list(
        UserSession.objects.select_for_update()
        .filter(user_id=user_id)
        .exclude(session_key=keep_session_key or None)
    )
    return _ended(actor, records, reason="all_others" if keep_session_key else "all")
