"""The partner console (public host) and the tenant logo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.api.pages import refusal_caught, refusal_on_form

from . import selectors, services
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
    clients = [(c, selectors.primary_domain(c)) for c in selectors.partner_clients(partner)]
    return render(
        request, "tenancy/console.html", {"partner": partner, "clients": clients, "form": form}
    )


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
