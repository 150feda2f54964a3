from __future__ import annotations

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
