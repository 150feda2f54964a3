"""Role checks for API views: a view names the capability it needs (see docs/roles.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission


class Capability(BasePermission):
    """`permission_classes = [Capability.of(read="accounts.view_reference_data", write=...)]`."""

    read: str | tuple[str, ...] | None = None
    write: str | tuple[str, ...] | None = None
    message = gettext_lazy("You do not have the role this action needs.")

    @classmethod
    def of(
        cls,
        *,
        read: str | tuple[str, ...] | None = None,
        write: str | tuple[str, ...] | None = None,
    ) -> type[Capability]:
        return type("Capability", (cls,), {"read": read, "write": write})

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = self.read if request.method in SAFE_METHODS else self.write
        if needed is None:
            return request.method in SAFE_METHODS
        if isinstance(needed, tuple):  # any one of them
            return any(user.has_perm(p) for p in needed)
        return bool(user.has_perm(needed))


class SchemaReader(BasePermission):
    """`/api/schema/` and `/api/docs/`: open where API_SCHEMA_PUBLIC is on (development, the
    demo), for signed-in users only otherwise (production's default)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        from django.conf import settings

        if settings.API_SCHEMA_PUBLIC:
            return True
        user = request.user
        return bool(user and user.is_authenticated)
