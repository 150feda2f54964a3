"""What the tenant's plan counts of its people (apps.tenancy.plans): who signed in each month,
and who has access. People are the tenant's own users: an integration's service account and a
supplier's portal user (a counterparty, not a seat) are not counted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.tenancy.plans import month_first

from .models import MonthlySignIn, User
from .roles import SUPPLIER


def people() -> QuerySet[User]:
    return User.objects.filter(is_service_account=False).exclude(groups__name=SUPPLIER)


def people_with_access() -> int:
    return people().filter(is_active=True).count()


def active_users_between(since: datetime, _until: datetime) -> int:
    """People who signed in at least once in the month that starts at `since`."""
    return (
        MonthlySignIn.objects.filter(month=since.date(), user__in=people())
        .values("user_id")
        .distinct()
        .count()
    )


def sign_in_record(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """`user_logged_in` receiver (every way in: password, invitation, single sign-on): the
    month's sign-in kept, one statement whether it is the month's first or not. Bookkeeping
    beside Django's own `last_login`, no domain flow."""
    if not isinstance(user, User) or user.pk is None:
        return
    now = timezone.now()
    MonthlySignIn.objects.bulk_create(
        [MonthlySignIn(user=user, month=month_first(now), first_at=now, last_at=now)],
        update_conflicts=True,
        unique_fields=["user", "month"],
        update_fields=["last_at"],
    )
