"""Writes on approval routes and tasks: start, decide, delegate, escalate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import (
    InvalidTransition,
    NotFound,
    PermissionRefused,
    SoDViolation,
    ValidationFailed,
)
from apps.controls.registries import KeyedRegistry
from apps.controls.transitions import move_status, move_status_where
from apps.events.services import event_record, records_sod_refusals
from apps.policies.routing import RoutePlan

from .assignment import tasks_assigned
from .models import ApprovalRoute, ApprovalStep, ApprovalTask, Delegation, Notification
from .notices import tell
from .sla import add_business_hours, escalated_sentence, reminder_sentence


@dataclass(frozen=True)
class SubjectHooks:
    """What a subject does when its route ends (called inside the deciding transaction)."""

    on_approved: Callable[[ApprovalRoute, User], None]
    on_rejected: Callable[[ApprovalRoute, User, str], None]
    # what an approver needs to decide, for many subjects in one query: {id: {...}}
    summaries: Callable[[list[str]], dict[str, dict[str, Any]]]


_SUBJECTS = KeyedRegistry[SubjectHooks](
    "workflow.services.register_subject",
    "what happens when a route is approved or rejected; inbox summaries",
)


def register_subject(subject_type: str, hooks: SubjectHooks) -> None:
    _SUBJECTS[subject_type] = hooks


def subject_summaries(tasks: list[ApprovalTask]) -> dict[tuple[str, str], dict[str, Any]]:
    """One query per subject type for a page of tasks."""
    wanted: dict[str, list[str]] = {}
    for task in tasks:
        wanted.setdefault(task.subject_type, []).append(task.subject_id)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for subject_type, ids in wanted.items():
        hooks = _SUBJECTS.get(subject_type)
        if hooks is not None:
            for subject_id, summary in hooks.summaries(ids).items():
                out[(subject_type, subject_id)] = summary
    return out


def active_delegate(user: User, on: date) -> Delegation | None:
    return (
        Delegation.objects.filter(user=user, starts_on__lte=on, ends_on__gte=on)
        .select_related("delegate")
        .order_by("-created_at")
        .first()
    )


# --------------------------------------------------------------------------- routes
def route_start(
    *,
    subject_type: str,
    subject_id: object,
    requester: User,
    plan: RoutePlan,
    sod: list[str],
    settings: dict[str, Any],
) -> ApprovalRoute:
    """Create the route and open its first step. Runs in the submitting transaction."""
    route = ApprovalRoute.objects.create(
        subject_type=subject_type,
        subject_id=str(subject_id),
        requester=requester,
        policy_version=f"v{plan.policy_version}",
        rule_id=plan.rule_id,
        plan={**plan.as_dict(), "sod": sod, "settings": settings},
    )
    steps = [
        ApprovalStep(
            route=route,
            sequence=s.sequence,
            quorum=s.quorum,
            sla_hours=s.sla_hours,
            reason=s.reason[:300],
            role=s.role,
        )
        for s in plan.steps
    ]
    ApprovalStep.objects.bulk_create(steps)
    approvers = {s.sequence: s.approvers for s in plan.steps}
    first = route.steps.order_by("sequence").first()
    if first is not None:
        _open_step(first, approvers[first.sequence])
    return route


def _open_step(step: ApprovalStep, approvers: list[User], now: datetime | None = None) -> None:
    now = now or timezone.now()
    move_status(step, ApprovalStep.Status.OPEN, noun=_("approval step"))
    step.opened_at = now
    step.due_at = add_business_hours(now, step.sla_hours)
    step.save(update_fields=["status", "opened_at", "due_at"])
    route = step.route
    assigned = []
    for approver in approvers:
        delegation = active_delegate(approver, now.date())
        assignee, behalf = (delegation.delegate, approver) if delegation else (approver, None)
        assigned.append(
            ApprovalTask.objects.create(
                step=step,
                subject_type=route.subject_type,
                subject_id=route.subject_id,
                assignee=assignee,
                on_behalf_of=behalf,
            )
        )
    tasks_assigned(assigned)
    event_record(
        actor="system:workflow",
        action="approval.step_opened",
        subject_type=route.subject_type,
        subject_id=route.subject_id,
        policy_version=route.policy_version,
        data={
            "step": step.sequence,
            "quorum": step.quorum,
            "reason": step.reason,
            "approvers": [a.email for a in approvers],
            "due_at": step.due_at,
        },
    )


def _planned_approvers(route: ApprovalRoute, sequence: int) -> list[User]:
    planned = next(s for s in route.plan["steps"] if s["sequence"] == sequence)
    by_email = {u.email: u for u in User.objects.filter(email__in=planned["approvers"])}
    return [by_email[e] for e in planned["approvers"] if e in by_email]


def route_cancel(*, actor: Any, route: ApprovalRoute, reason: str) -> None:
    route = ApprovalRoute.objects.select_for_update().get(pk=route.pk)
    if route.status != ApprovalRoute.Status.PENDING:
        return
    move_status(route, ApprovalRoute.Status.CANCELLED, noun=_("approval route"))
    route.completed_at = timezone.now()
    route.save(update_fields=["status", "completed_at"])
    move_status_where(route.steps.all(), ApprovalStep.Status.CANCELLED)
    move_status_where(
        ApprovalTask.objects.filter(step__route=route),
        ApprovalTask.Status.CANCELLED,
        decided_at=timezone.now(),
    )
    event_record(
        actor=actor,
        action="approval.route_cancelled",
        subject_type=route.subject_type,
        subject_id=route.subject_id,
        policy_version=route.policy_version,
        data={"reason": reason},
    )


# --------------------------------------------------------------------------- decisions
def _locked_open_task(*, actor: User, task_id: Any) -> ApprovalTask:
    task = ApprovalTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None or task.assignee_id != actor.pk:
        raise PermissionRefused(_("This task is not in your inbox."))
    require(actor, "accounts.approve")
    if task.status != ApprovalTask.Status.OPEN:
        raise InvalidTransition(_("This task was already %s.") % task.get_status_display().lower())
    return task


def _check_sod(*, actor: User, task: ApprovalTask, route: ApprovalRoute) -> None:
    rules = route.plan.get("sod", [])
    if "no_self_approval" in rules and actor.pk == route.requester_id:
        raise SoDViolation(_("You requested this; someone else must approve it."))
    if "one_step_per_person" in rules:
        decided_elsewhere = (
            ApprovalTask.objects.filter(
                step__route=route,
                assignee=actor,
                status__in=[ApprovalTask.Status.APPROVED, ApprovalTask.Status.REJECTED],
            )
            .exclude(step_id=task.step_id)
            .exists()
        )
        if decided_elsewhere:
            raise SoDViolation(_("You already decided another step of this route."))


def _decision_audit(
    actor: User,
    task: ApprovalTask,
    route: ApprovalRoute,
    step: ApprovalStep,
    verb: str,
    channel: str,
) -> None:
    event_record(
        actor=actor,
        on_behalf_of=task.on_behalf_of,
        action=f"approval.{verb}",
        subject_type=route.subject_type,
        subject_id=route.subject_id,
        policy_version=route.policy_version,
        data={
            "task": str(task.pk),
            "step": step.sequence,
            "rule": route.rule_id,
            "reason": step.reason,
            "comment": task.comment,
            "channel": channel,
        },
    )


@records_sod_refusals("approval.refused", "approval_task", "task_id")
@transaction.atomic
def task_approve(
    *, actor: User, task_id: Any, comment: str = "", channel: str = "web"
) -> ApprovalTask:
    task = _locked_open_task(actor=actor, task_id=task_id)
    step = ApprovalStep.objects.select_for_update().select_related("route").get(pk=task.step_id)
    route = step.route
    _check_sod(actor=actor, task=task, route=route)
    now = timezone.now()
    move_status(task, ApprovalTask.Status.APPROVED, noun=_("task"))
    task.comment, task.decided_at = comment, now
    task.save(update_fields=["status", "comment", "decided_at"])
    _decision_audit(actor, task, route, step, "approved", channel)
    approvals = step.tasks.filter(status=ApprovalTask.Status.APPROVED).count()
    if approvals < step.quorum:
        return task
    move_status(step, ApprovalStep.Status.APPROVED, noun=_("approval step"))
    step.decided_at = now
    step.save(update_fields=["status", "decided_at"])
    move_status_where(step.tasks.all(), ApprovalTask.Status.SUPERSEDED, decided_at=now)
    following = route.steps.filter(sequence__gt=step.sequence).order_by("sequence").first()
    if following is not None:
        _open_step(following, _planned_approvers(route, following.sequence), now)
        return task
    move_status(route, ApprovalRoute.Status.APPROVED, noun=_("approval route"))
    route.completed_at = now
    route.save(update_fields=["status", "completed_at"])
    _SUBJECTS[route.subject_type].on_approved(route, actor)
    return task


@records_sod_refusals("approval.refused", "approval_task", "task_id")
@transaction.atomic
def task_reject(*, actor: User, task_id: Any, comment: str, channel: str = "web") -> ApprovalTask:
    if not (comment or "").strip():
        raise ValidationFailed(errors={"comment": [_("Say why you reject it.")]})
    task = _locked_open_task(actor=actor, task_id=task_id)
    step = ApprovalStep.objects.select_for_update().select_related("route").get(pk=task.step_id)
    route = step.route
    _check_sod(actor=actor, task=task, route=route)
    now = timezone.now()
    move_status(task, ApprovalTask.Status.REJECTED, noun=_("task"))
    task.comment, task.decided_at = comment.strip(), now
    task.save(update_fields=["status", "comment", "decided_at"])
    _decision_audit(actor, task, route, step, "rejected", channel)
    move_status(step, ApprovalStep.Status.REJECTED, noun=_("approval step"))
    step.decided_at = now
    step.save(update_fields=["status", "decided_at"])
    move_status_where(
        ApprovalTask.objects.filter(step__route=route),
        ApprovalTask.Status.SUPERSEDED,
        decided_at=now,
    )
    move_status_where(
        route.steps.filter(status=ApprovalStep.Status.WAITING), ApprovalStep.Status.CANCELLED
    )
    move_status(route, ApprovalRoute.Status.REJECTED, noun=_("approval route"))
    route.completed_at = now
    route.save(update_fields=["status", "completed_at"])
    _SUBJECTS[route.subject_type].on_rejected(route, actor, task.comment)
    return task


@records_sod_refusals("approval.refused", "approval_task", "task_id")
@transaction.atomic
def task_delegate(*, actor: User, task_id: Any, to_user: User, comment: str = "") -> ApprovalTask:
    task = _locked_open_task(actor=actor, task_id=task_id)
    route = task.step.route
    if to_user.pk == actor.pk or not to_user.is_active:
        raise ValidationFailed(errors={"to": [_("Choose another active user.")]})
    if not to_user.has_perm("accounts.approve"):
        raise ValidationFailed(errors={"to": [_("%s may not approve.") % to_user.email]})
    if "no_self_approval" in route.plan.get("sod", []) and to_user.pk == route.requester_id:
        raise SoDViolation(_("The requester cannot approve their own requisition."))
    move_status(task, ApprovalTask.Status.DELEGATED, noun=_("task"))
    task.comment, task.decided_at = comment, timezone.now()
    task.save(update_fields=["status", "comment", "decided_at"])
    new = ApprovalTask.objects.create(
        step=task.step,
        subject_type=task.subject_type,
        subject_id=task.subject_id,
        assignee=to_user,
        on_behalf_of=task.on_behalf_of or actor,
    )
    tasks_assigned([new])
    event_record(
        actor=actor,
        action="approval.delegated",
        subject_type=route.subject_type,
        subject_id=route.subject_id,
        policy_version=route.policy_version,
        data={
            "task": str(task.pk),
            "to": to_user.email,
            "new_task": str(new.pk),
            "comment": comment,
        },
    )
    return new


@transaction.atomic
def delegation_create(*, actor: User, delegate: User, starts_on: date, ends_on: date) -> Delegation:
    """Out of office: new tasks go to the delegate, and so do open ones if it starts today."""
    require(actor, "accounts.approve")
    if ends_on < starts_on:
        raise ValidationFailed(errors={"ends_on": [_("The end comes before the start.")]})
    if delegate.pk == actor.pk or not delegate.has_perm("accounts.approve"):
        raise ValidationFailed(errors={"delegate": [_("Choose another user who may approve.")]})
    delegation = Delegation.objects.create(
        user=actor, delegate=delegate, starts_on=starts_on, ends_on=ends_on
    )
    today = timezone.localdate()
    moved: list[ApprovalTask] = []
    if starts_on <= today <= ends_on:
        for task in ApprovalTask.objects.select_for_update().filter(
            assignee=actor, status=ApprovalTask.Status.OPEN
        ):
            move_status(task, ApprovalTask.Status.DELEGATED, noun=_("task"))
            task.decided_at = timezone.now()
            task.save(update_fields=["status", "decided_at"])
            moved.append(
                ApprovalTask.objects.create(
                    step_id=task.step_id,
                    subject_type=task.subject_type,
                    subject_id=task.subject_id,
                    assignee=delegate,
                    on_behalf_of=actor,
                )
            )
    tasks_assigned(moved)
    event_record(
        actor=actor,
        action="delegation.created",
        subject_type="user",
        subject_id=actor.pk,
        after={
            "delegate": delegate.email,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "moved": len(moved),
        },
    )
    return delegation


# --------------------------------------------------------------------------- SLAs
def _escalation_targets(assignee: User, escalation_role: str) -> list[User]:
    if escalation_role:
        group = Group.objects.filter(name=escalation_role).first()
        return list(User.objects.filter(groups=group, is_active=True)) if group else []
    manager = assignee.manager
    return [manager] if manager is not None and manager.is_active else []


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Remind at the policy's share of the SLA, escalate at breach. Each step is reminded and
    escalated at most once (the timestamps are set under a row lock), so running the sweep
    again changes nothing."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    step_ids = list(
        ApprovalStep.objects.filter(
            status=ApprovalStep.Status.OPEN, escalated_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for step_id in step_ids:
        with transaction.atomic():
            step = (
                ApprovalStep.objects.select_for_update(skip_locked=True)
                .select_related("route")
                .filter(pk=step_id, status=ApprovalStep.Status.OPEN)
                .first()
            )
            if step is None or step.opened_at is None or step.due_at is None:
                continue
            settings = step.route.plan.get("settings") or {}
            share = float(settings.get("reminder_share", 0.5))
            remind_at = step.opened_at + (step.due_at - step.opened_at) * share
            open_tasks = list(
                step.tasks.filter(status=ApprovalTask.Status.OPEN).select_related(
                    "assignee__manager"
                )
            )
            if now >= step.due_at and step.escalated_at is None:
                _escalate(step, open_tasks, settings.get("escalation_role", ""), now)
                counts["escalated"] += 1
            elif now >= remind_at and step.reminded_at is None:
                for task in open_tasks:
                    tell(
                        [task.assignee],
                        partial(reminder_sentence, step.due_at),
                        kind="approval.reminder",
                        subject_type=task.subject_type,
                        subject_id=task.subject_id,
                    )
                step.reminded_at = now
                step.save(update_fields=["reminded_at"])
                counts["reminded"] += 1
    return counts


def _escalate(
    step: ApprovalStep, open_tasks: list[ApprovalTask], escalation_role: str, now: datetime
) -> None:
    route = step.route
    escalated_to: list[str] = []
    assigned: list[ApprovalTask] = []
    for task in open_tasks:
        for target in _escalation_targets(task.assignee, escalation_role):
            if (
                target.pk == route.requester_id
                or step.tasks.filter(assignee=target, status="open").exists()
            ):
                continue
            assigned.append(
                ApprovalTask.objects.create(
                    step=step,
                    subject_type=task.subject_type,
                    subject_id=task.subject_id,
                    assignee=target,
                    on_behalf_of=task.assignee,
                )
            )
            tell(
                [target],
                partial(escalated_sentence, task.assignee.email),
                kind="approval.escalated",
                subject_type=task.subject_type,
                subject_id=task.subject_id,
            )
            escalated_to.append(target.email)
    tasks_assigned(assigned)
    step.escalated_at = now
    step.save(update_fields=["escalated_at"])
    event_record(
        actor="system:sla",
        action="approval.escalated",
        subject_type=route.subject_type,
        subject_id=route.subject_id,
        policy_version=route.policy_version,
        data={"step": step.sequence, "to": escalated_to, "due_at": step.due_at},
        payload={
            "id": route.pk,
            "subject_type": route.subject_type,
            "subject_id": route.subject_id,
            "step": step.sequence,
            "escalated_to": escalated_to,
            "due_at": step.due_at,
        },
    )


# --------------------------------------------------------------------------- notices
def notification_dismiss(*, actor: User, notification_id: Any) -> None:
    """A person puts away one of their own notices (someone else's is not found)."""
    notices = Notification.objects.filter(pk=notification_id, user=actor)
    if not notices.exists():
        raise NotFound()
    notices.filter(read_at__isnull=True).update(read_at=timezone.now())
