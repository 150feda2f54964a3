from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import User

from .models import ApprovalTask, Notification


def tasks_of(
    user: User, *, status: str | None = None, subject_type: str | None = None
) -> QuerySet[ApprovalTask]:
    tasks = ApprovalTask.objects.filter(assignee=user).select_related(
        "step__route", "on_behalf_of", "assignee"
    )
    if status:
        tasks = tasks.filter(status=status)
    if subject_type:
        tasks = tasks.filter(subject_type=subject_type)
    return tasks.order_by("-created_at")


def notifications_of(user: User, limit: int = 10) -> list[Notification]:
    """The newest in-app notices (reminders, escalations) for the home page."""
    return list(Notification.objects.filter(user=user).order_by("-created_at")[:limit])


def erasure_blocked_by_open_tasks(kind: str, subject_id: Any) -> str | None:
    """A former user with approval tasks still open is not erased until they are moved
    (apps.privacy's erasure check): the tasks would name a person nobody can find."""
    if kind != "user":
        return None
    if ApprovalTask.objects.filter(assignee_id=subject_id, status="open").exists():
        return "This person still has open approval tasks: reassign them first."
    return None
