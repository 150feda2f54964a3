"""A leaver's open approval tasks move (registered with accounts in WorkflowConfig.ready).

Each open task goes, in this order, to:
1. the leaver's delegate: the delegation in force today, else the next one planned (someone
   the leaver already named to act for them);
2. the step's fallback, as the policy picks approvers for a step with no eligible approver
   (apps.policies.routing): the requester's manager, then the route's `chain_fallback_role`;
3. a tenant admin (Leaver.admin), who hands it on.
A person is eligible when active, allowed to approve, not the leaver, not the requester where
the route forbids self-approval, and not already holding an open task of the same step. Each
move is a `DELEGATED` task and a new open one, audited as `approval.reassigned`."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.leavers import Leaver
from apps.accounts.models import User
from apps.controls.transitions import move_status
from apps.events.services import event_record

from .assignment import tasks_assigned
from .models import ApprovalRoute, ApprovalStep, ApprovalTask, Delegation


def _eligible(person: User | None, leaver: User, step: ApprovalStep, route: ApprovalRoute) -> bool:
    if person is None or person.pk == leaver.pk or not person.is_active:
        return False
    if "no_self_approval" in route.plan.get("sod", []) and person.pk == route.requester_id:
        return False
    if step.tasks.filter(assignee=person, status=ApprovalTask.Status.OPEN).exists():
        return False
    return bool(person.has_perm("accounts.approve"))


def _delegates(leaver: User) -> list[User]:
    today = timezone.localdate()
    current = Delegation.objects.filter(user=leaver, starts_on__lte=today, ends_on__gte=today)
    planned = Delegation.objects.filter(user=leaver, starts_on__gt=today)
    return [
        d.delegate
        for d in [
            *current.select_related("delegate").order_by("-created_at"),
            *planned.select_related("delegate").order_by("starts_on", "-created_at"),
        ]
    ]


def _fallbacks(route: ApprovalRoute) -> list[User]:
    people: list[User] = []
    if route.requester.manager is not None:
        people.append(route.requester.manager)
    role = (route.plan.get("settings") or {}).get("chain_fallback_role") or "manager"
    group = Group.objects.filter(name=role).first()
    if group is not None:
        people += list(User.objects.filter(groups=group, is_active=True).order_by("email"))
    return people


def _heir(leaver: Leaver, step: ApprovalStep) -> tuple[User | None, str]:
    route = step.route
    for person in _delegates(leaver.user):
        if _eligible(person, leaver.user, step, route):
            return person, "delegate"
    for person in _fallbacks(route):
        if _eligible(person, leaver.user, step, route):
            return person, "step_fallback"
    return leaver.admin, "tenant_admin"


def open_tasks_move(leaver: Leaver) -> dict[str, int]:
    moved = 0
    now = timezone.now()
    tasks = (
        ApprovalTask.objects.select_for_update(of=("self",))
        .filter(assignee=leaver.user, status=ApprovalTask.Status.OPEN)
        .select_related("step__route__requester__manager")
        .order_by("created_at")
    )
    for task in tasks:
        step = task.step
        route = step.route
        heir, rule = _heir(leaver, step)
        if heir is None:
            continue  # no admin left to hand it to: it stays, and the leaver's event says so
        move_status(task, ApprovalTask.Status.DELEGATED, noun=_("task"))
        task.decided_at = now
        task.comment = _("Reassigned: %s left.") % leaver.user.email
        task.save(update_fields=["status", "decided_at", "comment"])
        new = ApprovalTask.objects.create(
            step=step,
            subject_type=task.subject_type,
            subject_id=task.subject_id,
            assignee=heir,
            on_behalf_of=task.on_behalf_of or leaver.user,
        )
        tasks_assigned([new])
        event_record(
            actor=leaver.actor,
            action="approval.reassigned",
            subject_type=route.subject_type,
            subject_id=route.subject_id,
            policy_version=route.policy_version,
            data={
                "task": str(task.pk),
                "new_task": str(new.pk),
                "step": step.sequence,
                "from": leaver.user.email,
                "to": heir.email,
                "rule": rule,
                "reason": leaver.reason[:300],
            },
        )
        moved += 1
    return {"approval_tasks": moved}
