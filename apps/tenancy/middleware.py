"""Finding the tenant from the host, and refusing a suspended tenant's traffic."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware

from .models import Client
from .residency import served_here, wrong_region_detail


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' host routing; an unknown host gets a plain 404, never another tenant."""

    TENANT_NOT_FOUND_EXCEPTION = Http404

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "tenant_not_found", "detail": _("No portal is served at this address.")},
                status=404,
            )
        return HttpResponse(_("No portal is served at this address."), status=404)


class TenantStatusMiddleware:
    """A tenant not serving (suspended, or offboarding until its deletion) shows a notice on
    every page, its sign-in page included, and answers 403 `tenant_suspended` on its API, the
    token endpoint included: sign-in is refused, and existing sessions and tokens stop at once
    (they are read on every request). Nothing of its data is shown. An offboarded tenant has
    no domain left: its host answers as unknown (404). A tenant of another region than this
    deployment's answers `wrong_region` (409) naming where it lives (residency.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if isinstance(tenant, Client) and not served_here(tenant):
            # residency: another region's deployment serves it (docs/residency.md)
            detail = wrong_region_detail(tenant)
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "wrong_region", "detail": detail}, status=409)
            if not request.path.startswith("/static/"):
                return render(request, "tenancy/wrong_region.html", {"detail": detail}, status=409)
        if tenant is not None and not getattr(tenant, "is_serving", True):
            detail = _("This portal is suspended. Contact your service partner.")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "tenant_suspended", "detail": detail}, status=403)
            if not request.path.startswith("/static/"):
                return render(request, "tenancy/suspended.html", {"detail": detail}, status=403)
        return self.get_response(request)
