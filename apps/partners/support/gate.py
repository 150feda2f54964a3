"""The gate on tenant hosts for a session under a support grant (apps.partners.support).

Every request of such a session re-checks its grant: live (active, not past its end, not
revoked), of this tenant, for this stand-in — otherwise the session is signed out with a
sentence. Under a read grant any write is refused (403) but signing out. The stand-in is lent
the grant's capabilities for this request only. Every request, let through or refused, is
written into the tenant's trail as `support.request` with the grant's id, method, path and
answer, the actor being the stand-in (named after the partner person)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from apps.api.errors import json_error
from apps.events.services import event_record

from ..access_models import AccessGrant
from .entry import SESSION_KEY
from .scopes import capabilities_for
from .services import access_grant_lapse

SAFE = {"GET", "HEAD", "OPTIONS"}
SIGN_OUT = {"/logout/"}


def _on_tenant_host(request: HttpRequest) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and not getattr(tenant, "is_public", True)


class SupportAccessGate:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # no session cookie, no session to look into (and no Vary: Cookie on its answer)
        if not _on_tenant_host(request) or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        grant_id = request.session.get(SESSION_KEY)
        if grant_id is None:
            return self.get_response(request)
        user = request.user
        grant = AccessGrant.objects.select_related("partner", "client").filter(pk=grant_id).first()
        tenant = request.tenant  # type: ignore[attr-defined]
        if (
            grant is None
            or not user.is_authenticated
            or grant.client_id != tenant.pk
            or grant.standin_user_id != user.pk
            or not grant.is_live()
        ):
            return self._ended(request, grant)
        safe = request.method in SAFE
        if not safe and grant.is_read_only and request.path not in SIGN_OUT:
            response = self._refused(request)
        else:
            request.support_grant = grant  # type: ignore[attr-defined]  # the page's banner
            # lent for this request only (apps.integrations.keys.ScopeBackend answers them)
            user.scope_capabilities = capabilities_for(grant.scope, safe=safe)  # type: ignore[union-attr,attr-defined]
            response = self.get_response(request)
        _record(grant, user, request, response.status_code)
        return response

    def _ended(self, request: HttpRequest, grant: AccessGrant | None) -> HttpResponse:
        if grant is not None and grant.status == AccessGrant.Status.ACTIVE and not grant.is_live():
            access_grant_lapse(grant)
        logout(request)  # flushes the session, grant id with it
        text = _("Your support access to this portal has ended.")
        if request.path.startswith("/api/"):
            return json_error("authentication_failed", text, 401)
        messages.info(request, text)
        return redirect("login")

    def _refused(self, request: HttpRequest) -> HttpResponse:
        text = _("Support access granted read-only: nothing can be changed under it.")
        if request.path.startswith("/api/"):
            return json_error("permission_denied", text, 403)
        return response_for_exception(request, PermissionDenied(text))


def _record(grant: AccessGrant, user: Any, request: HttpRequest, status: int) -> None:
    with transaction.atomic():
        event_record(
            actor=user,
            action="support.request",
            subject_type="access_grant",
            subject_id=grant.pk,
            data={
                "grant": grant.pk,
                "partner_user": grant.partner_user_email,
                "method": request.method,
                "path": request.get_full_path()[:500],
                "status": status,
            },
        )
