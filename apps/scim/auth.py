"""Who calls SCIM: a service account whose key holds the `scim` scope, sent as identity
providers send it (`Authorization: Bearer spk_…`) or as the API's clients do (`Token spk_…`).
The key is found as the API finds it (apps.integrations.keys.account_for): unknown, rotated
out, revoked or expired keys are refused 401; a key without the scope 403. Keys live in the
tenant's schema, so another tenant's key is unknown here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from apps.integrations.keys import account_for
from apps.integrations.models import ServiceAccount
from apps.integrations.scopes import capabilities_of

SCOPE = "scim"


class ScimKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        words = request.headers.get("Authorization", "").split()
        if len(words) != 2 or words[0].lower() not in ("bearer", "token"):
            return None
        account, why = account_for(words[1])
        if account is None:
            raise AuthenticationFailed(why)
        user = account.user
        # the scopes' capabilities, for this request only (apps.integrations.keys.ScopeBackend)
        user.scope_capabilities = capabilities_of(account.scopes)  # type: ignore[attr-defined]
        return user, account

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="scim"'


class HoldsScimScope(BasePermission):
    message = _("This key does not hold the scim scope.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not isinstance(request.auth, ServiceAccount):
            return False
        return SCOPE in request.auth.scopes
