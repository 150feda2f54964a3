"""The partner console (public host): its client tenants with their figures over a period
and the partner's benchmark, new tenants, each tenant's branding and status; and the tenant
logo."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.api.pages import csv_download, refusal_caught, refusal_on_form

from . import selectors, services
from .api.views import INSIGHTS_QUERY
from .client_days import HEALTH_KEYS, partner_figures, partner_period
from .forms import BrandingForm, TenantCreateForm
from .models import BrandLogo, Client


def _partner_or_403(request: HttpRequest) -> Any:
    with refusal_caught() as refusal:
        return services.partner_of(request.user)
    raise PermissionDenied from refusal.exc


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    partner = _partner_or_403(request)
    form = TenantCreateForm(
        request.POST or None,
        request.FILES or None,
        initial={"primary_color": "#0B5FFF", "accent_color": "#111827"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        brand = {
            k: data[k] for k in ("portal_name", "primary_color", "accent_color", "support_email")
        }
        if data.get("logo"):
            brand["logo"] = data["logo"].read()
        with refusal_on_form(form, field_prefix="branding."):
            client = services.tenant_provision(
                actor=request.user,
                slug=data["slug"],
                name=data["name"],
                domain=data["domain"],
                brand=brand,
                default_language=data["default_language"],
                admin_email=data.get("admin_email") or None,
                base_url=f"{request.scheme}://{data['domain']}{_port(request)}",
            )
            messages.success(request, _("Tenant %s is ready.") % client.name)
            return redirect("partner-console")
    figures = _figures(request, partner)
    if request.GET.get("format") == "csv":
        return _figures_csv(figures)
    clients = [(c, selectors.primary_domain(c)) for c in selectors.partner_clients(partner)]
    return render(
        request,
        "tenancy/console.html",
        {
            "partner": partner,
            "clients": clients,
            "form": form,
            "figures": figures,
            "headings": _headings(request.GET.get("sort") or "name"),
            "rows": [_shown(row) for row in figures["tenants"]],
            "benchmark": _shown({**figures["benchmark"], "health": None}),
        },
    )


# the figures table's columns: (sort key, heading)
_COLUMNS = (
    ("name", _lazy("Tenant")),
    ("active_users", _lazy("Active users")),
    ("requisitions", _lazy("Requisitions")),
    ("invoices_received", _lazy("Invoices received")),
    ("touchless_rate", _lazy("Touchless")),
    ("exceptions_open", _lazy("Open exceptions")),
    ("exceptions_overdue", _lazy("Overdue exceptions")),
    ("approval_hours_p50", _lazy("Approval hours (median)")),
    ("last_activity", _lazy("Last activity")),
    ("health", _lazy("Health")),
)


def _figures(request: HttpRequest, partner: Any) -> dict[str, Any]:
    """The period and order the query asks for; a bad one is said and the default shown."""
    with refusal_caught() as refusal:
        asked = INSIGHTS_QUERY.read(request.GET)
        period = partner_period(asked["from"], asked["to"])
        return partner_figures(partner, first=period.first, last=period.last, sort=asked["sort"])
    messages.error(request, refusal.detail)
    period = partner_period(None, None)
    return partner_figures(partner, first=period.first, last=period.last)


def _headings(sort: str) -> list[dict[str, Any]]:
    """Each column's heading with the order a click asks for (again: the other way)."""
    return [
        {
            "key": key,
            "heading": heading,
            "next": f"-{key}" if sort == key else key,
            "aria": "ascending" if sort == key else "descending" if sort == f"-{key}" else "none",
        }
        for key, heading in _COLUMNS
    ]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    rate, hours = row["touchless_rate"], row["approval_hours_p50"]
    return {
        **row,
        "touchless": "—" if rate is None else f"{rate * 100:.0f} %",
        "hours": "—" if hours is None else f"{hours:g}",
        "health_words": health_words(row["health"]) if "slug" in row else "",
    }


def health_words(health: dict[str, int] | None) -> str:
    """A client's health as a sentence (the page never says it in colour only)."""
    if health is None:
        return str(_("Not computed yet"))
    said = {
        "failing_webhooks": _("%d webhook endpoints failing"),
        "failing_erp": _("%d ERP connections failing"),
        "stuck_tasks": _("%d items stuck in a queue"),
    }
    problems = [said[key] % health[key] for key in HEALTH_KEYS if health.get(key)]
    return "; ".join(problems) or str(_("Healthy"))


def _figures_csv(figures: dict[str, Any]) -> HttpResponse:
    keys = [key for key, _heading in _COLUMNS[1:-1]]
    rows: list[list[object]] = [["tenant", "name", *keys, *HEALTH_KEYS]]
    for row in figures["tenants"]:
        health = row["health"] or {}
        rows.append(
            [
                row["slug"],
                row["name"],
                *("" if row[key] is None else row[key] for key in keys),
                *(health.get(key, "") for key in HEALTH_KEYS),
            ]
        )
    benchmark = figures["benchmark"]
    rows.append(
        [
            "",
            str(_("Benchmark (median)")),
            *("" if benchmark.get(k) is None else benchmark[k] for k in keys),
        ]
    )
    name = f"clients-{_iso(figures['from'])}-{_iso(figures['to'])}.csv"
    return csv_download(name, rows)


def _iso(day: date) -> str:
    return day.isoformat()


def _port(request: HttpRequest) -> str:
    port = request.get_port()
    return "" if port in ("80", "443") else f":{port}"


def _client_of(request: HttpRequest, slug: str) -> Client:
    partner = _partner_or_403(request)
    client = Client.objects.filter(partner=partner, slug=slug).first()
    if client is None:
        raise Http404
    return client


@login_required
@require_http_methods(["GET", "POST"])
def tenant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    client = _client_of(request, slug)
    initial = {
        f: getattr(client, f)
        for f in ("portal_name", "primary_color", "accent_color", "support_email")
    }
    form = BrandingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        if form.cleaned_data.get("logo"):
            changes["logo"] = form.cleaned_data["logo"].read()
        with refusal_on_form(form, field_prefix="branding."):
            services.tenant_update_branding(actor=request.user, client=client, changes=changes)
            messages.success(request, _("Branding saved."))
            return redirect("partner-tenant", slug=slug)
    return render(
        request,
        "tenancy/tenant_detail.html",
        {"client": client, "form": form, "domain": selectors.primary_domain(client)},
    )


@login_required
@require_POST
def tenant_status(request: HttpRequest, slug: str) -> HttpResponse:
    client = _client_of(request, slug)
    status = request.POST.get("status", "")
    with refusal_caught() as refusal:
        services.tenant_set_status(actor=request.user, client=client, status=status)
        messages.success(
            request, _("%(name)s is now %(status)s.") % {"name": client.name, "status": status}
        )
    if refusal:
        messages.error(request, refusal.detail)
    return redirect("partner-tenant", slug=slug)


def logo(request: HttpRequest) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    record = None if tenant is None else BrandLogo.objects.filter(client_id=tenant.pk).first()
    if record is None:
        raise Http404
    response = HttpResponse(bytes(record.data), content_type=record.content_type)
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
