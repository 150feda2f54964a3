"""The capability guard every state-changing service calls itself, so a page, an API view, a
Celery task and a management command all meet the same control (docs/roles.md lists the
capabilities of each role).

A person acts with the capabilities of their roles. The system acts by its own code path —
a task, the seed, an intake job — and names itself ("system:matching"); it has no roles, and
what it may do is decided by the code that calls the service, never by a request.

An AI assistant is neither a person nor the system: it advises and never decides. It acts as
an `AssistantActor`, which holds no role, is no one's user and is not the system; `require`
refuses it whatever the capability, and every check that asks a person's roles finds none, so
every service that changes something (approve, reject, release, pay, resolve, a supplier's or
a bank account's data) refuses an assistant actor (tests/controls/test_service_guards.py,
docs/ai.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .refusals import PermissionRefused


class AssistantActor:
    """An AI assistant asking a service to act: no roles, no user, not the system."""

    is_authenticated = False
    is_active = False
    is_anonymous = False
    pk = None
    id = None
    email = ""

    def __init__(self, assistant: str) -> None:
        self.assistant = assistant

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perms: Any, obj: Any = None) -> bool:
        return False

    def __str__(self) -> str:
        return f"assistant:{self.assistant}"


def is_assistant(actor: Any) -> bool:
    return isinstance(actor, AssistantActor)


def is_system(actor: Any) -> bool:
    return actor is None or isinstance(actor, str)


def require(actor: Any, *capabilities: str, detail: str | None = None) -> None:
    """Refuse (403 permission_denied) a person who holds none of `capabilities`
    ("accounts.process_invoices", …); an assistant is refused whatever it asks."""
    if is_assistant(actor):
        raise PermissionRefused(_("An assistant advises; a person decides."))
    if is_system(actor):
        return
    if not (getattr(actor, "is_authenticated", False) and actor.is_active):
        raise PermissionRefused(detail)
    if not any(actor.has_perm(capability) for capability in capabilities):
        raise PermissionRefused(detail)
