from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import User


def tenant_users() -> QuerySet[User]:
    from django.contrib.auth.models import Group

    return (
        User.objects.filter(is_service_account=False)
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .order_by("email")
    )


def user_roles(user: User) -> list[str]:
    return sorted(g.name for g in user.groups.all())
