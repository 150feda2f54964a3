"""Service-account keys (docs/integrations.md): how a key is made and found, what each scope
opens, and the three places a key is checked.

- `ServiceKeyGate` (middleware, API paths only) finds the key before any view runs: an unknown,
  expired or revoked key is refused `401`; a route outside the key's scopes `403
  permission_denied`. Every call is audited with the account afterwards.
- `ServiceKeyAuthentication` (DRF) hands the views the account's own user, holding the
  capabilities its scopes need and nothing else (`ScopeBackend`).
- Legal entities: the authentication limits the account's user to its `legal_entities`
  (`apps.controls.entities`), which every selector and service reading or changing a
  document of a legal entity honours.

A key is 32 random bytes; its SHA-256 digest is what is stored (a slow password hash buys
nothing for a secret that long, and every API call looks it up)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from apps.controls.entities import limit_to_entities

from .models import ServiceAccount
from .scopes import KEY_PREFIX, allows, capabilities_of, digest

USED_MARK = timedelta(minutes=1)  # last_used_at is written at most once a minute


def _key_of(request: HttpRequest) -> str | None:
    words = request.headers.get("Authorization", "").split()
    if len(words) == 2 and words[0].lower() == "token" and words[1].startswith(KEY_PREFIX):
        return words[1]
    return None


def account_for(key: str) -> tuple[ServiceAccount | None, str]:
    """The account a key belongs to and may act as now, or (None, why not)."""
    now, found = timezone.now(), digest(key)
    account = (
        ServiceAccount.objects.select_related("user")
        .filter(Q(key_digest=found) | Q(previous_key_digest=found))
        .first()
    )
    if account is None:
        return None, _("Unknown API key.")
    if account.key_digest != found and not (
        account.previous_key_until and account.previous_key_until > now
    ):
        return None, _("This key was rotated out; use the new one.")
    if account.revoked_at is not None:
        return None, _("This key was revoked.")
    if account.expires_at is not None and account.expires_at <= now:
        return None, _("This key has expired.")
    return account, ""


def _refuse(code: str, detail: str, status: int) -> JsonResponse:
    response = JsonResponse({"code": code, "detail": detail}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Token"
    return response


class ServiceKeyGate:
    """Checks a service-account key on every API call before any view runs (module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = _key_of(request) if request.path.startswith("/api/") else None
        if key is None:
            return self.get_response(request)
        account, why = account_for(key)
        if account is None:
            return _refuse("authentication_failed", why, 401)
        try:
            route = resolve(request.path_info).url_name or ""
        except Resolver404:
            route = ""
        if not allows(account.scopes, request.method or "", route):
            refused = _refuse(
                "permission_denied",
                _("This key's scopes (%(scopes)s) do not open %(method)s %(path)s.")
                % {
                    "scopes": ", ".join(account.scopes) or _("none"),
                    "method": request.method,
                    "path": request.path,
                },
                403,
            )
            _audit_call(account, request, refused.status_code)
            return refused
        request.service_account = account  # type: ignore[attr-defined]
        response = self.get_response(request)
        _audit_call(account, request, response.status_code)
        return response


def _audit_call(account: ServiceAccount, request: HttpRequest, status: int) -> None:
    from apps.events.services import event_record

    now = timezone.now()
    with transaction.atomic():
        event_record(
            actor=account.user,
            action="service_account.called",
            subject_type="service_account",
            subject_id=account.pk,
            data={
                "method": request.method,
                "path": request.get_full_path()[:500],
                "status": status,
            },
        )
        if account.last_used_at is None or now - account.last_used_at > USED_MARK:
            ServiceAccount.objects.filter(pk=account.pk).update(last_used_at=now)


class ServiceKeyAuthentication(BaseAuthentication):
    """The account the gate found, as `(its user, the account)`; the user carries the
    capabilities of the account's scopes and the limit of its legal entities."""

    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        if _key_of(request._request) is None:
            return None
        account = getattr(request._request, "service_account", None)
        if account is None:  # the gate did not run (a path outside /api/)
            raise AuthenticationFailed(_("API keys are for the API only."))
        user = account.user
        user.scope_capabilities = capabilities_of(account.scopes)
        limit_to_entities(user, account.legal_entities)
        return user, account

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class ScopeBackend:
    """Grants a service account's user the capabilities of its scopes, for the request the key
    authenticated (nowhere else: the user itself holds no role)."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in getattr(user_obj, "scope_capabilities", ())

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False


class ServiceKeyScheme(OpenApiAuthenticationExtension):
    """The key in the OpenAPI schema: `Authorization: Token spk_…`."""

    target_class = "apps.integrations.keys.ServiceKeyAuthentication"
    name = "serviceAccountKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A service account's key: `Token spk_…` (docs/integrations.md).",
        }
