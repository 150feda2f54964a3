"""The partner console (public host): its client tenants with their standing (activity,
health, set-up) and their figures over a period with the partner's benchmark, new tenants, each
tenant's branding with a live preview and contrast check, suspension and reactivation; and the
tenant logo."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.api.pages import csv_download, refusal_caught, refusal_on_form

from . import branding, selectors, services
from .api.views import INSIGHTS_QUERY
from .branding import CONTRAST_NEEDS, contrast_checks
from .client_days import HEALTH_KEYS, partner_figures, partner_period
from .console import contrast_shown, language_name, portal_url, standing_shown
from .context_processors import brand_colours
from .forms import BrandingForm, ReactivateForm, SuspendForm, TenantCreateForm
from .models import BrandLogo, Client
from .partner_pages import partner_capabilities


def _partner_or_403(request: HttpRequest, capability: str = "view_console") -> Any:
    """The partner of the signed-in person when their role holds `capability` (403 otherwise):
    each page asks for what it does (apps.tenancy.partner_pages)."""
    with refusal_caught() as refusal:
        return services.partner_of(request.user, capability)
    raise PermissionDenied from refusal.exc


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    # a new tenant is for those who manage tenants; the list and figures for every partner user
    partner = _partner_or_403(
        request, "manage_tenants" if request.method == "POST" else "view_console"
    )
    may = partner_capabilities(request.user)
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
    clients = sorted(
        (
            _client_row(request, client)
            for client in selectors.partner_clients(partner).select_related(
                "standing", "sandbox_of"
            )
        ),
        key=_console_order,
    )
    return render(
        request,
        "tenancy/console.html",
        {
            "partner": partner,
            "clients": clients,
            "form": form,
            "may_manage_tenants": "manage_tenants" in may,
            "figures": figures,
            "headings": _headings(request.GET.get("sort") or "name"),
            "rows": [_shown(row) for row in figures["tenants"]],
            "benchmark": _shown({**figures["benchmark"], "health": None}),
            "computed_at": max(
                (row["standing"]["computed_at"] for row in clients if row["standing"]),
                default=None,
            ),
        },
    )


def _console_order(row: dict[str, Any]) -> tuple[str, int, str]:
    """By name, each sandbox right under the production tenant it stands in for."""
    client = row["client"]
    production = row["production"] or client
    return (production.name.casefold(), int(client.is_sandbox), client.name.casefold())


def _client_row(request: HttpRequest, client: Client) -> dict[str, Any]:
    domain = selectors.primary_domain(client)
    return {
        "client": client,
        "domain": domain,
        "portal_url": portal_url(request, domain),
        "language": language_name(client.default_language),
        "standing": standing_shown(client),
        "production": client.sandbox_of,
    }


# the figures table's columns: (sort key, heading)
_COLUMNS = (
    ("name", gettext_lazy("Tenant")),
    ("active_users", gettext_lazy("Active users")),
    ("requisitions", gettext_lazy("Requisitions")),
    ("invoices_received", gettext_lazy("Invoices received")),
    ("touchless_rate", gettext_lazy("Touchless")),
    ("exceptions_open", gettext_lazy("Open exceptions")),
    ("exceptions_overdue", gettext_lazy("Overdue exceptions")),
    ("approval_hours_p50", gettext_lazy("Approval hours (median)")),
    ("last_activity", gettext_lazy("Last activity")),
    ("health", gettext_lazy("Health")),
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
    """A client of the partner, for the pages that brand, suspend and resume it."""
    partner = _partner_or_403(request, "manage_tenants")
    client = (
        Client.objects.filter(partner=partner, slug=slug)
        .select_related("standing", "sandbox_of")
        .prefetch_related("domains")
        .first()
    )
    if client is None:
        raise Http404
    return client


_BRAND_FIELDS = ("portal_name", "primary_color", "accent_color", "support_email")


def _with_shade(post: QueryDict) -> QueryDict:
    """The form as sent, with the colour a "use the proposed shade" button names put in its
    field (the page's script does this in place; without it the button saves it)."""
    field, _sep, shade = post.get("use_shade", "").partition(":")
    if field not in CONTRAST_NEEDS:
        return post
    post = post.copy()
    post[field] = shade
    return post


def _preview_colours(client: Client, form: BrandingForm) -> dict[str, str]:
    """The colours the preview starts from: those sent when they are valid, else the saved
    ones (nothing unvalidated reaches the page's style)."""
    colours = {}
    for field in CONTRAST_NEEDS:
        sent = form.data.get(field) if form.is_bound else None
        try:
            colours[field] = branding.clean_colour(sent)
        except ValidationError:
            colours[field] = branding.clean_colour(getattr(client, field))
    return colours


def _detail_page(
    request: HttpRequest,
    client: Client,
    *,
    form: BrandingForm | None = None,
    status_form: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = BrandingForm(initial={f: getattr(client, f) for f in _BRAND_FIELDS})
    if status_form is None:
        status_form = ReactivateForm() if client.is_suspended else SuspendForm()
    colours = _preview_colours(client, form)
    domain = selectors.primary_domain(client)
    sent_name = form.data.get("portal_name") if form.is_bound else None
    return render(
        request,
        "tenancy/tenant_detail.html",
        {
            "client": client,
            "form": form,
            "status_form": status_form,
            "domain": domain,
            "portal_url": portal_url(request, domain),
            "language": language_name(client.default_language),
            "standing": standing_shown(client),
            # the colours the tenant's portal derives from these (base.html), the same way
            "preview": {
                **brand_colours(colours["primary_color"], colours["accent_color"]),
                "portal_name": sent_name or client.portal_name,
            },
            "checks": [contrast_shown(check) for check in contrast_checks(colours)],
            "sandboxes": [] if client.is_sandbox else list(client.sandboxes.order_by("name")),
            "may_make_sandbox": not client.is_sandbox
            and "manage_sandboxes" in partner_capabilities(request.user),
            "may_promote": client.is_sandbox
            and "manage_templates" in partner_capabilities(request.user),
        },
        status=status,
    )


def _warn_contrast(request: HttpRequest, client: Client) -> None:
    """On save, each brand colour that fails AA is said, with the shade proposed."""
    colours = {field: getattr(client, field) for field in CONTRAST_NEEDS}
    for check in contrast_checks(colours):
        if not check.passes:
            shown = contrast_shown(check)
            messages.warning(
                request,
                _(
                    "%(colour)s reads at %(ratio)s:1 against white, below the %(needed)s:1 of "
                    "WCAG AA. The proposed shade %(proposed)s reads at %(proposed_ratio)s:1."
                )
                % shown,
            )


@login_required
@require_http_methods(["GET", "POST"])
def tenant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    client = _client_of(request, slug)
    if request.method != "POST":
        return _detail_page(request, client)
    form = BrandingForm(_with_shade(request.POST), request.FILES or None)
    if form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        if form.cleaned_data.get("logo"):
            changes["logo"] = form.cleaned_data["logo"].read()
        with refusal_on_form(form, field_prefix="branding."):
            client = services.tenant_update_branding(
                actor=request.user, client=client, changes=changes
            )
            messages.success(request, _("Branding saved."))
            _warn_contrast(request, client)
            return redirect("partner-tenant", slug=slug)
    return _detail_page(request, client, form=form)


@login_required
@require_POST
def tenant_status(request: HttpRequest, slug: str) -> HttpResponse:
    """Suspend (the name typed back and a reason) or reactivate (a reason): refused on the
    form, which the page shows again with what was typed."""
    client = _client_of(request, slug)
    # what the page asked for, not the opposite of the state now: a form from a stale page
    # meets the transition table (409), it never undoes what another tab just did
    suspending = request.POST.get("status") != Client.Status.ACTIVE
    form: Form = SuspendForm(request.POST) if suspending else ReactivateForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            services.tenant_set_status(
                actor=request.user,
                client=client,
                status=Client.Status.SUSPENDED if suspending else Client.Status.ACTIVE,
                reason=form.cleaned_data["reason"],
                confirm_name=form.cleaned_data.get("confirm_name", ""),
            )
            if suspending:
                said = _(
                    "%(name)s is suspended: its people cannot sign in until you reactivate it."
                )
            else:
                said = _("%(name)s is active again.")
            messages.success(request, said % {"name": client.name})
            return redirect("partner-tenant", slug=slug)
    return _detail_page(request, client, status_form=form, status=422)


@login_required
def tenant_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The client's logo on the partner's host, for the branding preview."""
    client = _client_of(request, slug)
    record = BrandLogo.objects.filter(client=client).first()
    if record is None:
        raise Http404
    return _logo_response(record, private=True)  # behind the partner's sign-in


def logo(request: HttpRequest) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    record = None if tenant is None else BrandLogo.objects.filter(client_id=tenant.pk).first()
    if record is None:
        raise Http404
    return _logo_response(record)


def _logo_response(record: BrandLogo, *, private: bool = False) -> HttpResponse:
    """`private`: only a signed-in reader may see it, so no shared cache keeps it."""
    response = HttpResponse(bytes(record.data), content_type=record.content_type)
    response["Cache-Control"] = f"{'private' if private else 'public'}, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
