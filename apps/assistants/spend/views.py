"""The suggestion panel of the requisition form (HTMX): as the requester types, the form asks
for the spend coding of its words and shows it beside the fields, with confidence and the
words behind it. A field is pre-selected only at or above the policy's threshold, and only
while the requester has not chosen it by hand; "Use this" takes the suggestion whatever its
confidence, because the person chose it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from apps.accounts.current import current_user
from apps.organization.models import CostCenter, SpendCategory
from apps.suppliers.selectors import suppliers_selectable

from ..models import Advice
from ..services import assistant_enabled
from .services import spend_suggest
from .suggest import ASSISTANT

FIELDS = ("spend_category", "cost_center", "supplier")


def _shown_advice(request: HttpRequest) -> Advice | None:
    """The advice this form showed last (its hidden field), if it is this person's."""
    from .outcomes import advice_of_form

    return advice_of_form(request.POST, current_user(request))


def _browser_default(field: str) -> str:
    """What the form's select holds before anyone chooses: its first option (none for the
    supplier)."""
    first: SpendCategory | CostCenter | None = None
    if field == "spend_category":
        first = SpendCategory.objects.filter(active=True).order_by("code").first()
    elif field == "cost_center":
        first = CostCenter.objects.filter(active=True).order_by("code").first()
    return first.code if first else ""


def _fills(out: dict[str, Any], post: Any, apply: bool) -> dict[str, str]:
    """The fields this answer sets: every suggested one on "Use this"; otherwise those at or
    above the threshold that the requester has not changed since the panel last set them."""
    fills: dict[str, str] = {}
    for field in FIELDS:
        value = out[field] and (out[field].get("code") or out[field].get("id"))
        if not value:
            continue
        current, previous = post.get(field, ""), post.get(f"spend_prev_{field}")
        untouched = (
            current == previous
            if previous is not None
            else (current in ("", _browser_default(field)))
        )
        if apply or (out["preselect"][field] and untouched):
            fills[field] = str(value)
    return fills


def _choices(fills: dict[str, str]) -> dict[str, Any]:
    """The options of the selects this answer replaces (the form's own, same order)."""
    choices: dict[str, Any] = {}
    if "spend_category" in fills:
        choices["categories"] = SpendCategory.objects.filter(active=True).order_by("code")
    if "cost_center" in fills:
        choices["cost_centers"] = CostCenter.objects.filter(active=True).order_by("code")
    if "supplier" in fills:
        choices["suppliers"] = suppliers_selectable().order_by("name")
    return choices


def _names(out: dict[str, Any]) -> dict[str, str | None]:
    names: dict[str, str | None] = {}
    for field, model in (("spend_category", SpendCategory), ("cost_center", CostCenter)):
        code = out[field] and out[field]["code"]
        if code:
            names[field] = model.objects.filter(code=code).values_list("name", flat=True).first()
    return names


@login_required
@require_POST
def spend_panel(request: HttpRequest) -> HttpResponse:
    """HTMX: the suggestion panel for the form's current words (empty when the policy
    switches spend coding off or there is nothing to read yet)."""
    if not request.user.has_perm("accounts.submit_requisition"):
        raise PermissionDenied
    title = request.POST.get("title", "").strip()
    lines = [d for d in request.POST.getlist("line_description") if d.strip()]
    if not assistant_enabled(ASSISTANT) or not (title or lines):
        return HttpResponse("")
    out, advice = spend_suggest(
        viewer=current_user(request),
        title=title,
        justification=request.POST.get("justification", ""),
        lines=lines,
        reuse=_shown_advice(request),
    )
    fills = _fills(out, request.POST, apply=request.POST.get("spend_apply") == "1")
    held = {field: fills.get(field, request.POST.get(field, "")) for field in FIELDS}
    return render(
        request,
        "assistants/spend_panel.html",
        {
            "out": out,
            "advice": advice,
            "names": _names(out),
            "fills": fills,
            "held": held,
            "percent": {
                field: round(100 * out[field]["confidence"]) for field in FIELDS if out[field]
            },
            **_choices(fills),
        },
    )


urlpatterns = [
    path("assistants/spend/suggest/", spend_panel, name="spend-suggest-panel"),
]
