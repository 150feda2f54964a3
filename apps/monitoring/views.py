"""The operator's pages: `/settings/operations/` (tenant admins: this tenant's queues,
failing connectors, dead letters, the audit chain, the platform's readiness) and
`/partner/operations/` (the partner: each own client's health in brief, read from the hourly
`ClientDay` rollup rather than from every tenant's schema, and the platform's readiness).
docs/operations.md, "Operator's pages"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.pages import require_page
from apps.api.pages import refusal_caught
from apps.tenancy.client_days import partner_health
from apps.tenancy.partner_pages import partner_capabilities
from apps.tenancy.services import partner_of

from . import operations
from .readiness import readiness


def _readiness() -> dict[str, Any]:
    ready, report = readiness()
    return {"ready": ready, "checks": report}


@login_required
@require_GET
def tenant_operations(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "operations")
    return render(
        request,
        "monitoring/operations.html",
        {
            "queues": operations.queues(),
            "endpoints": operations.failing_endpoints(),
            "connections": operations.failing_erp_connections(),
            "dead": operations.dead_letters(),
            "chain_check": operations.last_chain_check(),
            "alerts": operations.open_alerts(),
            "platform": _readiness(),
            "may_act": request.user.has_perm("accounts.manage_webhooks"),
        },
    )


def _partner_or_403(request: HttpRequest) -> Any:
    with refusal_caught() as refusal:
        return partner_of(request.user, "view_console")  # each client's health: counts only
    raise PermissionDenied from refusal.exc


@login_required
@require_GET
def partner_operations(request: HttpRequest) -> HttpResponse:
    partner = _partner_or_403(request)
    return render(
        request,
        "monitoring/partner_operations.html",
        {
            "partner": partner,
            "tenants": partner_health(partner),
            "platform": _readiness(),
            # a link to a client's page only for those whose role opens it
            "may_manage_tenants": "manage_tenants" in partner_capabilities(request.user),
        },
    )
