"""Pages of policy templates on the public host: /partner/templates/ (templates, versions,
rollouts, the drift report), a template's page (its versions, a new version, publishing), and
the publish page, which shows each tenant's preview before the partner confirms."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.api.pages import refusal_caught
from apps.controls.refusals import ValidationFailed
from apps.policies.managed import FIELD_PATHS, field_label
from apps.tenancy.models import Partner
from apps.tenancy.selectors import partner_clients
from apps.tenancy.services import partner_of

from . import selectors, services
from .models import PolicyTemplate, PolicyTemplateVersion, TemplateRollout


def _partner(request: HttpRequest) -> Partner:
    with refusal_caught() as refusal:
        return partner_of(request.user, services.CAPABILITY)
    raise PermissionDenied from refusal.exc


def _json(text: str, field: str) -> Any:
    try:
        return json.loads(text or "null")
    except json.JSONDecodeError as exc:
        raise ValidationFailed(errors={field: [_("Not valid JSON: %s") % exc.msg]}) from exc


def _template(partner: Partner, pk: int) -> PolicyTemplate:
    found = selectors.partner_templates(partner).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _who(actor: str) -> str:
    kind, _sep, name = actor.partition(":")
    return _("Partner %(email)s") % {"email": name} if kind == "partner" and name else actor


def _drift_rows(partner: Partner, slug: str) -> list[dict[str, Any]]:
    clients = list(partner_clients(partner).order_by("name"))
    if slug:
        clients = [c for c in clients if c.slug == slug]
    rows = selectors.drift_report(partner, clients)
    for row in rows:
        for field in row["fields"]:
            field["changed_by_words"] = _who(field["changed_by"])
            field["tenant_shown"] = _shown(field["tenant_value"])
            field["template_shown"] = _shown(field["template_value"])
    return rows


def _shown(value: Any) -> str:
    """A field's value as the policy's JSON reads it (not Python's spelling of it)."""
    return json.dumps(value, ensure_ascii=False)


FIELDS_EXAMPLE = json.dumps({"settings.budget_mode": "locked", "invoices.tolerances": "local"})


@login_required
@require_http_methods(["GET", "POST"])
def template_list(request: HttpRequest) -> HttpResponse:
    partner = _partner(request)
    form = {"name": "", "description": "", "document": "{}", "fields": FIELDS_EXAMPLE}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        with refusal_caught() as refusal:
            template = services.template_create(
                actor=current_user(request),
                name=form["name"],
                description=form["description"],
                document=_json(form["document"], "document"),
                fields=_json(form["fields"], "fields"),
            )
            messages.success(request, _('Template "%s" is written: v1.') % template.name)
            return redirect("partner-template-page", pk=template.pk)
        errors = refusal.errors_or("name")
    slug = request.GET.get("tenant", "")
    return render(
        request,
        "partners/policy_templates.html",
        {
            "partner": partner,
            "templates": list(selectors.partner_templates(partner)),
            "drift": _drift_rows(partner, slug),
            "tenant": slug,
            "form": form,
            "errors": errors,
            "paths": [(p, field_label(p)) for p in FIELD_PATHS],
        },
        status=422 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _partner(request)
    template = _template(partner, pk)
    versions = list(template.versions.all())
    latest = versions[0] if versions else None
    form = {
        "document": json.dumps(latest.document, indent=2) if latest else "{}",
        "fields": json.dumps(latest.fields) if latest else FIELDS_EXAMPLE,
        "from_tenant": "",
        "note": "",
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        with refusal_caught() as refusal:
            version = services.template_version_create(
                actor=current_user(request),
                template=template,
                fields=_json(form["fields"], "fields"),
                document=None if form["from_tenant"] else _json(form["document"], "document"),
                from_tenant=form["from_tenant"],
                note=form["note"],
            )
            messages.success(request, _("v%d is written.") % version.number)
            return redirect("partner-template-page", pk=template.pk)
        errors = refusal.errors_or("document")
    return render(
        request,
        "partners/policy_template.html",
        {
            "template": template,
            "versions": [
                {"version": v, "fields": [(field_label(p), m) for p, m in v.fields.items()]}
                for v in versions
            ],
            "clients": list(partner_clients(partner).order_by("name")),
            "form": form,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


def _publish_request(request: HttpRequest, template: PolicyTemplate) -> dict[str, Any]:
    values = request.POST if request.method == "POST" else request.GET
    number = values.get("version", "")
    version: PolicyTemplateVersion | None = (
        template.versions.filter(number=int(number)).first() if number.isdigit() else None
    )
    if version is None:
        raise Http404
    stage = values.get("stage", TemplateRollout.Stage.PILOT)
    return {"version": version, "stage": stage, "tenants": values.getlist("tenants")}


@login_required
@require_http_methods(["GET", "POST"])
def template_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the preview per tenant and the confirm button; POST: publish."""
    partner = _partner(request)
    template = _template(partner, pk)
    asked = _publish_request(request, template)
    version = asked["version"]
    if request.method == "POST":
        with refusal_caught() as refusal:
            rollouts = services.template_publish(
                actor=current_user(request),
                version=version,
                stage=asked["stage"],
                tenants=asked["tenants"] or None,
            )
            messages.success(
                request,
                _("v%(number)d is published to %(tenants)s.")
                % {
                    "number": version.number,
                    "tenants": ", ".join(r.client.name for r in rollouts) or _("no one new"),
                },
            )
            return redirect("partner-template-page", pk=template.pk)
        messages.error(request, refusal.text)
        return redirect("partner-template-page", pk=template.pk)
    context: dict[str, Any] = {"template": template, **asked, "preview": None, "error": ""}
    with refusal_caught() as refusal:
        clients = services.publish_targets(
            partner, version, asked["stage"], asked["tenants"] or None
        )
        context["preview"] = selectors.template_preview(version=version, clients=clients)
        for tenant in context["preview"]:
            for field in tenant["fields"]:
                field["before_shown"], field["after_shown"] = (
                    _shown(field["before"]),
                    _shown(field["after"]),
                )
    if refusal:
        context["error"] = refusal.text
    return render(
        request,
        "partners/policy_template_publish.html",
        context,
        status=refusal.exc.status if refusal.exc else 200,
    )
