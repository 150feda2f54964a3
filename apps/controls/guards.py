"""The capability guard every state-changing service calls itself, so a page, an API view, a
Celery task and a management command all meet the same control (docs/roles.md lists the
capabilities of each role).

A person acts with the capabilities of their roles. The system acts by its own code path —
a task, the seed, an intake job — and names itself ("system:matching"); it has no roles, and
what it may do is decided by the code that calls the service, never by a request."""

from __future__ import annotations

from typing import Any

from .refusals import PermissionRefused


def is_system(actor: Any) -> bool:
    return actor is None or isinstance(actor, str)


def require(actor: Any, *capabilities: str, detail: str | None = None) -> None:
    """Refuse (403 permission_denied) a person who holds none of `capabilities`
    ("accounts.process_invoices", …)."""
    if is_system(actor):
        return
    if not (getattr(actor, "is_authenticated", False) and actor.is_active):
        raise PermissionRefused(detail)
    if not any(actor.has_perm(capability) for capability in capabilities):
        raise PermissionRefused(detail)
