"""The console's sandbox button (public host): a production tenant's page makes a sandbox of
it; the stand-ins' password is shown once, on the new sandbox's page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.api.pages import refusal_caught, refusal_shown
from apps.tenancy.models import Client
from apps.tenancy.selectors import partner_clients
from apps.tenancy.services import partner_of

from ..policy_templates.models import PolicyTemplate
from .selectors import partner_sandbox
from .services import sandbox_create, sandbox_promote


@login_required
@require_POST
def sandbox_new(request: HttpRequest, slug: str) -> HttpResponse:
    with refusal_shown(request):
        source = partner_clients(partner_of(request.user)).filter(slug=slug).first()
        if source is None:
            raise Http404
        created = sandbox_create(actor=request.user, from_client=source)
        messages.success(
            request,
            _(
                "Sandbox %(name)s is ready. Its stand-ins (%(people)s) sign in with the password "
                "%(password)s: note it now, it is not shown again."
            )
            % {
                "name": created.client.name,
                "people": ", ".join(s.email for s in created.written.standins) or _("none"),
                "password": created.password,
            },
        )
        return redirect("partner-tenant", slug=created.client.slug)
    return redirect("partner-tenant", slug=slug)


def _own_sandbox(request: HttpRequest, slug: str) -> tuple[Any, Client]:
    with refusal_caught() as refusal:
        partner = partner_of(request.user, "manage_templates")
    if refusal:
        raise PermissionDenied from refusal.exc
    sandbox = partner_sandbox(partner, slug)
    if sandbox is None:
        raise Http404
    return partner, sandbox


@login_required
@require_http_methods(["GET", "POST"])
def sandbox_promote_page(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: which template the sandbox's changes go into; POST: the new version, then its
    preview and publication on the production tenant (the template's publish page)."""
    partner, sandbox = _own_sandbox(request, slug)
    templates = list(PolicyTemplate.objects.filter(partner=partner).order_by("name"))
    if request.method == "POST":
        chosen = request.POST.get("template", "")
        template = next((t for t in templates if str(t.pk) == chosen), None)
        with refusal_shown(request):
            promotion = sandbox_promote(
                actor=current_user(request), sandbox=sandbox, template=template
            )
            messages.success(
                request,
                _(
                    "v%(number)d of %(template)s carries the sandbox's changes. Check the "
                    "preview on %(production)s, then publish."
                )
                % {
                    "number": promotion.version.number,
                    "template": promotion.version.template.name,
                    "production": promotion.production.name,
                },
            )
            query = urlencode(
                {
                    "version": promotion.version.number,
                    "tenants": promotion.production.slug,
                    "stage": "pilot",
                }
            )
            return redirect(f"/partner/templates/{promotion.version.template_id}/publish/?{query}")
    return render(
        request,
        "partners/sandbox_promote.html",
        {"sandbox": sandbox, "production": sandbox.sandbox_of, "templates": templates},
    )
