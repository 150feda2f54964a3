"""/settings/policies/: versions, the draft editor, publication, diff, simulator and the
impact preview, for tenant admins."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.pages import refusal_caught
from apps.controls.refusals import ValidationFailed

from . import selectors, services
from .document import SOD_RULES, PolicyError, validate_document
from .managed import field_label
from .models import PolicyManagement, PolicyVersion
from .replay import impact_preview, inputs_today
from .routing import plan_route


def _admin(request: HttpRequest) -> User:
    if not request.user.has_perm("accounts.manage_settings"):
        raise PermissionDenied
    return current_user(request)


def _document(text: str) -> Any:
    """The editor's text as JSON: text that is not JSON is refused like a bad document."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(errors={"document": [_("Not valid JSON: %s") % exc.msg]}) from exc


def _version(number: int) -> PolicyVersion:
    version = PolicyVersion.objects.filter(number=number).first()
    if version is None:
        raise Http404
    return version


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    versions = list(PolicyVersion.objects.select_related("created_by").order_by("-number"))
    published = next((v for v in versions if v.status == "published"), None)
    return render(
        request,
        "policies/policy_list.html",
        {
            "versions": versions,
            "published": published,
            "sod_rules": SOD_RULES,
            "managed": _managed(),
        },
    )


def _managed() -> dict[str, Any] | None:
    """The partner's template this tenant's policy follows, with what the tenant may change."""
    binding = PolicyManagement.objects.first()
    if binding is None:
        return None
    return {
        "binding": binding,
        "locked": sorted(field_label(path) for path in binding.locked),
        "local": sorted(field_label(path) for path in binding.local),
    }


@login_required
@require_POST
def policy_new_draft(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    source = _version(int(request.POST.get("from", "0") or 0))
    with refusal_caught() as refusal:
        draft = services.policy_draft_create(
            actor=user, document=source.document, note=_("Copy of v%d") % source.number
        )
        return redirect("policy-page", number=draft.number)
    messages.error(request, refusal.detail)
    return redirect("policies-page")


@login_required
@require_http_methods(["GET", "POST"])
def policy_detail(request: HttpRequest, number: int) -> HttpResponse:
    user = _admin(request)
    version = _version(number)
    text = json.dumps(version.document, indent=2)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        text = request.POST.get("document", "")
        with refusal_caught() as refusal:
            document = _document(text)
            if "publish" in request.POST:
                services.policy_draft_update(
                    actor=user, version=version, document=document, note=request.POST.get("note")
                )
                services.policy_publish(actor=user, version=version)
                messages.success(request, _("v%d is published.") % version.number)
            else:
                services.policy_draft_update(
                    actor=user, version=version, document=document, note=request.POST.get("note")
                )
                messages.success(request, _("Draft saved."))
            return redirect("policy-page", number=version.number)
        errors = refusal.errors_or("document")
    return render(
        request,
        "policies/policy_detail.html",
        {
            "version": version,
            "text": text,
            "errors": errors,
            "editable": version.status == "draft",
            "managed": _managed(),
            "others": PolicyVersion.objects.exclude(pk=version.pk).order_by("-number"),
            # arriving from a proposal (insights' drafted tolerance), the preview opens at once
            "show_impact": request.GET.get("impact") == "1",
        },
    )


@login_required
@require_POST
def policy_validate(request: HttpRequest) -> HttpResponse:
    """HTMX: check the editor's text without saving."""
    _admin(request)
    try:
        validate_document(json.loads(request.POST.get("document", "")))
        result: dict[str, Any] = {"valid": True}
    except json.JSONDecodeError as exc:
        result = {"valid": False, "errors": {"document": [_("Not valid JSON: %s") % exc.msg]}}
    except PolicyError as exc:
        result = {"valid": False, "errors": exc.errors}
    return render(request, "policies/_validation.html", result)


@login_required
def policy_diff(request: HttpRequest) -> HttpResponse:
    _admin(request)
    old, new = _version(int(request.GET.get("from", 0))), _version(int(request.GET.get("to", 0)))
    return render(
        request,
        "policies/policy_diff.html",
        {
            "old": old,
            "new": new,
            "diff": selectors.policy_diff(old.document, new.document),
        },
    )


@login_required
def policy_simulate(request: HttpRequest, number: int) -> HttpResponse:
    """HTMX: route one requisition with this version, as if submitted today."""
    _admin(request)
    version = _version(number)
    number_or_id = request.GET.get("requisition", "").strip()
    context: dict[str, Any] = {"version": version, "query": number_or_id}
    with refusal_caught() as refusal:
        found = inputs_today("requisition", number=number_or_id)
        if found is None:
            context["error"] = _("No requisition with number %s.") % number_or_id
        else:
            requisition, facts, route_context = found
            context.update(
                requisition=requisition,
                facts=facts,
                plan=plan_route(version=version, facts=facts, context=route_context).as_dict(),
            )
    if refusal:
        context["error"] = refusal.detail
    return render(request, "policies/_simulation.html", context)


@login_required
def policy_impact(request: HttpRequest, number: int) -> HttpResponse:
    """HTMX: the requisitions of the last 90 days that would route differently, and the price
    and quantity exceptions of those days the version's invoice tolerances would not have
    raised (or would have)."""
    _admin(request)
    version = _version(number)
    with refusal_caught() as refusal:
        impact = impact_preview(draft=version, baseline=selectors.policy_published())
        return render(request, "policies/_impact.html", {"impact": impact})
    return render(request, "policies/_impact.html", {"error": refusal.detail})
