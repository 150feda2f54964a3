"""/contracts/: the register with spend on and off contract and what ends soon; a contract's
page with its value committed, invoiced and left, its amendments and its catalog; and the
catalog search the requisition form asks as you type. Views parse input and call services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.accounts.pages import require_page
from apps.api.pages import Confirm, confirm_first, refusal_caught
from apps.controls.refusals import ApplicationError
from apps.organization.models import LegalEntity, SpendCategory
from apps.organization.number_input import decimal_texts, input_text
from apps.suppliers.models import Supplier

from . import selectors
from .models import Contract
from .services import catalog, register

PAGE_SIZE = 25
ENDING_DAYS = 60


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "contracts")
    status = request.GET.get("status") or None
    contracts = selectors.contract_search(
        selectors.contracts_visible_to(current_user(request)),
        status=status,
        q=request.GET.get("q"),
        supplier=None,
    )
    today = timezone.localdate()
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status or "",
            "q": request.GET.get("q", ""),
            "statuses": Contract.Status.choices,
            "ending": selectors.contracts_ending(within_days=ENDING_DAYS, on=today)[:20],
            "ending_days": ENDING_DAYS,
            "today": today,
            "figures": selectors.spend_figures(since=today - timedelta(days=365), until=today),
            "may_manage": request.user.has_perm("accounts.manage_contracts"),
        },
    )


def _form(request: HttpRequest) -> dict[str, Any]:
    form = request.POST
    data: dict[str, Any] = {
        k: form.get(k, "")
        for k in (
            "number",
            "title",
            "supplier",
            "starts_on",
            "ends_on",
            "notice_days",
            "renewal_months",
            "value_cap",
            "currency",
            "owner",
        )
    }
    # the cap as typed in the reader's language ("50.000,00"), as the plain decimal
    data |= decimal_texts({"value_cap": data["value_cap"]})
    data["legal_entities"] = form.getlist("legal_entities")
    data["spend_categories"] = form.getlist("spend_categories")
    data["auto_renew"] = form.get("auto_renew") == "on"
    return {k: v for k, v in data.items() if v not in ("", [])} | {"auto_renew": data["auto_renew"]}


def _values(contract: Contract | None, data: Any) -> dict[str, Any]:
    """What the contract form shows: what was sent, else the contract's own values."""
    values: dict[str, Any] = {"currency": "", "owner": "", "supplier": ""}
    entities: list[str] = []
    categories: list[str] = []
    if contract is not None:
        values.update(
            {
                field: getattr(contract, field)
                for field in (
                    "number",
                    "title",
                    "starts_on",
                    "ends_on",
                    "notice_days",
                    "auto_renew",
                    "renewal_months",
                    "value_cap",
                    "currency",
                )
            }
        )
        values["value_cap"] = input_text(contract.value_cap)
        values["owner"] = contract.owner.email if contract.owner else ""
        entities = [e.code for e in contract.legal_entities.all()]
        categories = [c.code for c in contract.spend_categories.all()]
    for field in ("number", "title", "starts_on", "ends_on", "notice_days", "renewal_months"):
        if data.get(field):
            values[field] = data.get(field)
    for field in ("value_cap", "currency", "owner", "supplier"):
        if data.get(field):
            values[field] = data.get(field)
    getlist = getattr(data, "getlist", None)
    values["legal_entities"] = (getlist("legal_entities") if getlist else []) or entities
    values["spend_categories"] = (getlist("spend_categories") if getlist else []) or categories
    return values


def _choices() -> dict[str, Any]:
    return {
        "suppliers": Supplier.objects.exclude(status__in=["blocked", "rejected"]).order_by("name"),
        "entities": LegalEntity.objects.order_by("code"),
        "categories": SpendCategory.objects.filter(active=True).order_by("code"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def contract_new(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "contracts")
    if not request.user.has_perm("accounts.manage_contracts"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        with refusal_caught() as refusal:
            contract = register.contract_create(actor=current_user(request), data=_form(request))
            messages.success(request, _("%s registered as a draft.") % contract.number)
            return redirect("contract-page", contract_id=contract.pk)
        errors = refusal.errors_or("__all__")
    return render(
        request,
        "contracts/contract_new.html",
        {**_choices(), "values": _values(None, request.POST), "errors": errors, "contract": None},
    )


def _visible(request: HttpRequest, contract_id: str) -> Contract:
    contract = selectors.contracts_visible_to(current_user(request)).filter(pk=contract_id).first()
    if contract is None:
        raise Http404
    return contract


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Terminate the contract"),
        gettext_lazy(
            "The contract ends today with your reason: its catalog prices no longer apply and "
            "new orders cannot draw on it."
        ),
        {"action": "terminate"},
        capability="accounts.manage_contracts",
    )
)
def contract_detail(request: HttpRequest, contract_id: str) -> HttpResponse:
    require_page(request.user, "contracts")
    contract = _visible(request, contract_id)
    if request.method == "POST":
        return _act(request, contract)
    items = contract.items.select_related("spend_category").order_by("description", "pk")
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "amendments": contract.amendments.order_by("-sequence"),
            "items": Paginator(items, 50).get_page(request.GET.get("page")),
            "may_manage": request.user.has_perm("accounts.manage_contracts"),
            "today": timezone.localdate(),
            "values": _values(contract, {}),
            **_choices(),
        },
    )


def _act(request: HttpRequest, contract: Contract) -> HttpResponse:
    action = request.POST.get("action", "")
    actor = current_user(request)
    with refusal_caught() as refusal:
        if action == "activate":
            contract = register.contract_activate(actor=actor, contract_id=contract.pk)
            messages.success(
                request,
                _("%(n)s is %(s)s.")
                % {"n": contract.number, "s": contract.get_status_display().lower()},
            )
        elif action == "terminate":
            register.contract_terminate(
                actor=actor, contract_id=contract.pk, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("%s terminated.") % contract.number)
        elif action == "amend":
            register.contract_amend(
                actor=actor,
                contract_id=contract.pk,
                data=_form(request),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("%s amended.") % contract.number)
        elif action == "document":
            register.contract_document_upload(
                actor=actor, contract_id=contract.pk, upload=request.FILES.get("file")
            )
            messages.success(request, _("Signed document stored."))
        elif action == "import":
            counts = catalog.catalog_import(actor=actor, upload=request.FILES.get("file"))
            messages.success(
                request,
                ngettext(
                    "Catalog imported: %(c)d new item, %(u)d updated.",
                    "Catalog imported: %(c)d new items, %(u)d updated.",
                    counts["created"],
                )
                % {"c": counts["created"], "u": counts["updated"]},
            )
        else:
            raise Http404
    if refusal.exc is not None:
        messages.error(request, _each_row(refusal.exc))
    return redirect("contract-page", contract_id=contract.pk)


def _each_row(exc: ApplicationError) -> str:
    """A refusal naming several places (a catalog file's rows) names each, the first 20."""
    if not exc.errors or len(exc.errors) <= 1:
        return exc.text()
    return f"{exc.detail} " + "; ".join(
        f"{where}: {' '.join(msgs)}" for where, msgs in list(exc.errors.items())[:20]
    )


@login_required
def contract_document(request: HttpRequest, contract_id: str) -> FileResponse:
    require_page(request.user, "contracts")
    contract = _visible(request, contract_id)
    if not contract.document:
        raise Http404
    response = FileResponse(
        default_storage.open(str(contract.document.name), "rb"),
        as_attachment=True,
        filename=contract.document_name or "contract",
    )
    response["X-Content-SHA256"] = contract.document_sha256
    return response


@login_required
def catalog_search(request: HttpRequest) -> HttpResponse:
    """HTMX: contracted catalog items matching what the requester types (the requisition
    form); each can be added as a line at its contracted price."""
    if not request.user.has_perm("accounts.submit_requisition"):
        raise PermissionDenied
    q = (request.GET.get("catalog_q") or request.GET.get("q") or "").strip()
    items = (
        list(selectors.catalog_items(q=q, on=timezone.localdate())[: selectors.SUGGESTIONS])
        if len(q) >= 2
        else []
    )
    return render(request, "contracts/_catalog_results.html", {"items": items, "q": q})
