"""Who places and releases legal holds: the compliance role. The capability is this app's own
permission (`retention.manage_legal_holds`), given to the role's group in every schema after
migrations, as accounts.roles does for its capabilities."""

from __future__ import annotations

from typing import Any

from apps.accounts.roles import COMPLIANCE

MANAGE_LEGAL_HOLDS = "retention.manage_legal_holds"
HOLDERS = (COMPLIANCE,)


def holder_definitions() -> dict[str, tuple[str, ...]]:
    """What grant_to_compliance writes into every schema: the roles holding the permission."""
    return {MANAGE_LEGAL_HOLDS: HOLDERS}


def grant_to_compliance() -> None:
    from django.contrib.auth.models import Group, Permission

    permission = Permission.objects.filter(
        content_type__app_label="retention", codename="manage_legal_holds"
    ).first()
    if permission is None:
        return  # not created yet in this schema; post_migrate runs again later
    for role in HOLDERS:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(permission)


def grant_to_compliance_after_migrate(sender: Any, **kwargs: Any) -> None:
    from django.contrib.auth.management import create_permissions

    create_permissions(sender, verbosity=0, using=kwargs.get("using", "default"))
    grant_to_compliance()
