"""A leaver's work and access: what ends at once when a person is deactivated, and the registry
through which each context above moves the work it holds for them (docs/identity.md,
"Provisioning (SCIM)").

Accounts knows nothing of tasks, exceptions or contracts: workflow, invoices and contracts each
register a *work mover* in their `AppConfig.ready()`. `user_deactivate` (services) runs every
mover inside its own transaction, so the person is deactivated with all of their work moved,
or not at all. Each mover writes its own audit events, one per thing it moved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings

from apps.controls.registries import HookRegistry

from .models import User
from .roles import TENANT_ADMIN


@dataclass(frozen=True)
class Leaver:
    """Who leaves, who deactivated them (a person or the identity provider's service account),
    why, and the tenant admin who takes over what has no better heir (None: the tenant has
    no other active admin)."""

    user: User
    actor: Any
    reason: str
    admin: User | None


# a mover returns what it moved, by kind ({"approval_tasks": 3}), for the leaver's audit event
WorkMover = Callable[[Leaver], dict[str, int]]
_MOVERS = HookRegistry[WorkMover](
    "accounts.leavers.register_work_mover",
    "a deactivated person's work each context moves (tasks, exceptions, contract ownership)",
)


def register_work_mover(mover: WorkMover) -> None:
    _MOVERS.append(mover)


def work_move(leaver: Leaver) -> dict[str, int]:
    """Run every registered mover (inside the deactivating transaction)."""
    moved: dict[str, int] = {}
    for mover in _MOVERS:
        moved.update(mover(leaver))
    return moved


def successor_admin(*, leaver: User, actor: Any) -> User | None:
    """The tenant admin who inherits: the person deactivating, when they are an active tenant
    admin; else the first other active tenant admin by e-mail."""
    admins = User.objects.filter(
        groups__name=TENANT_ADMIN, is_active=True, is_service_account=False
    ).exclude(pk=leaver.pk)
    if isinstance(actor, User) and admins.filter(pk=actor.pk).exists():
        return actor
    return admins.order_by("email").first()


def access_end(user: User) -> dict[str, int]:
    """Every API token and every signed-in session of `user` ends now (this tenant's schema
    holds both). A session's owner is read from its data, as Django stores it."""
    # by the model's label: the domain knows no HTTP package (pyproject's domain-not-http)
    token_model = apps.get_model("authtoken", "Token")
    tokens, _kinds = token_model.objects.filter(user=user).delete()
    return {"tokens": tokens, "sessions": _sessions_end(user)}


def _sessions_end(user: User) -> int:
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    if not hasattr(store, "get_model_class"):
        # a cache-only engine cannot be searched; is_active=False still refuses the session
        # (ModelBackend.get_user), so it is anonymous from the next request on
        return 0
    model = store.get_model_class()
    from django.utils import timezone

    ended = []
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.session_key)
    model.objects.filter(session_key__in=ended).delete()
    if hasattr(store, "cache_key_prefix"):  # cached_db: the cached copies go too
        from django.core.cache import caches

        caches[settings.SESSION_CACHE_ALIAS].delete_many(
            [store.cache_key_prefix + key for key in ended]
        )
    return len(ended)
