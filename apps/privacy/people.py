"""The tenant's users as data subjects, and every registered kind as the audit trail's index."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apps.accounts.models import User
from apps.tenancy.context import on_public_schema

from .registry import PersonKind, Pseudonym, person_kinds


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _users() -> Iterable[tuple[Any, list[str]]]:
    for pk, email, first, last in User.objects.values_list(
        "pk", "email", "first_name", "last_name"
    ):
        yield pk, [email, _full_name(first, last)]


def _user_identities(pk: Any) -> list[str] | None:
    user = User.objects.filter(pk=pk).values("email", "username", "first_name", "last_name").first()
    if user is None:
        return None
    return [user["email"], user["username"], _full_name(user["first_name"], user["last_name"])]


def _user_active(pk: Any) -> bool:
    return User.objects.filter(pk=pk, is_active=True).exists()


def _user_pseudonymise(pk: Any, pseudonym: Pseudonym) -> None:
    user = User.objects.select_for_update().get(pk=pk)
    user.email = pseudonym.email
    if hasattr(user, "username"):
        user.username = pseudonym.email
    user.first_name, user.last_name = pseudonym.name, ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


USERS = PersonKind(
    everyone=_users,
    identities=_user_identities,
    active=_user_active,
    pseudonymise=_user_pseudonymise,
)


def everyone() -> Iterable[tuple[str, Iterable[str]]]:
    """Each person of every kind as the audit trail names them: `user:12`, `contact:3`. The
    public schema's trail (the partner console) is not sealed: its people are the partner's."""
    if on_public_schema():
        return
    for kind, person_kind in person_kinds().items():
        for pk, identities in person_kind.everyone():
            yield f"{kind}:{pk}", identities
