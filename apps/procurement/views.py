"""Portal pages: requisitions (list, new with live totals, detail with the route timeline),
purchase orders and receiving against them. Views parse input and call services; rules live
in the services."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.accounts.pages import may_open, require_page
from apps.api.pages import Confirm, confirm_first, refusal_caught, refusal_shown
from apps.audit.selectors import audit_events
from apps.contracts.models import CatalogItem, Contract
from apps.controls.registries import HookRegistry
from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.organization.money import unit_price_value
from apps.organization.number_input import (
    NumberNotRead,
    decimal_texts,
    input_text,
    parse_decimal,
)
from apps.suppliers.portal import HOME_ROWS, portal_supplier
from apps.suppliers.selectors import suppliers_selectable

from . import selectors
from .models import CENT, PurchaseOrder, Requisition
from .selectors import purchase_orders_visible_to
from .services import requisitions, sourcing
from .services.orders import purchase_order_acknowledge
from .services.receiving import goods_receipt_post

PAGE_SIZE = 25


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def requisition_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "requisitions")
    status = request.GET.get("status") or None
    queryset = selectors.requisition_search(
        selectors.requisitions_visible_to(current_user(request)),
        status=status,
        q=request.GET.get("q"),
    )
    return render(
        request,
        "procurement/requisition_list.html",
        {
            "page": _page(request, queryset),
            "status": status or "",
            "q": request.GET.get("q", ""),
            "statuses": Requisition.Status.choices,
        },
    )


def _form_lines(request: HttpRequest) -> list[dict[str, str]]:
    descriptions = request.POST.getlist("line_description")
    quantities = request.POST.getlist("line_quantity")
    prices = request.POST.getlist("line_unit_price")
    items = request.POST.getlist("line_catalog_item")
    items += [""] * (len(descriptions) - len(items))
    free = request.POST.getlist("line_free_of_charge")
    free += [""] * (len(descriptions) - len(free))
    return [
        {"description": d, "quantity": q, "unit_price": p, "catalog_item": c, "free_of_charge": f}
        for d, q, p, c, f in zip(descriptions, quantities, prices, items, free, strict=False)
        if d.strip() or q.strip() or p.strip()
    ]


def _typed_lines(lines: list[dict[str, str]]) -> list[dict[str, str]]:
    """The lines with quantities and prices as typed in the reader's language ("1.234,56")
    turned into the plain decimals the service reads; refused per field when not numbers."""
    numbers = decimal_texts(
        {
            f"lines[{i}].{field}": line.get(field, "")
            for i, line in enumerate(lines)
            for field in ("quantity", "unit_price")
        }
    )
    return [
        {
            **line,
            "quantity": numbers[f"lines[{i}].quantity"],
            "unit_price": numbers[f"lines[{i}].unit_price"],
        }
        for i, line in enumerate(lines)
    ]


def _line_total(line: dict[str, str]) -> Decimal | None:
    try:
        return (parse_decimal(line["quantity"]) * parse_decimal(line["unit_price"])).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    except (NumberNotRead, InvalidOperation, KeyError):
        return None


def _form_context(
    request: HttpRequest,
    lines: list[dict[str, str]],
    errors: dict[str, list[str]],
    data: Any = None,
) -> dict[str, Any]:
    totals = [_line_total(line) for line in lines]
    cost_centers = list(
        CostCenter.objects.filter(active=True).select_related("legal_entity").order_by("code")
    )
    defaults = {"currency": "", "legal_entity": ""}
    if cost_centers and cost_centers[0].legal_entity:
        # the first cost center's entity and its currency, until the user chooses otherwise
        entity = cost_centers[0].legal_entity
        defaults = {"currency": entity.currency, "legal_entity": entity.code}
    blank = [{"description": "", "quantity": "1", "unit_price": ""}]
    return {
        "defaults": defaults,
        "cost_centers": cost_centers,
        "categories": SpendCategory.objects.filter(active=True).order_by("code"),
        "entities": LegalEntity.objects.order_by("code"),
        # only suppliers that may be bought from (the submission holds to the same rule)
        "suppliers": suppliers_selectable().order_by("name"),
        "lines": list(zip(lines or blank, totals or [None], strict=False)),
        "total": sum((t for t in totals if t is not None), Decimal("0")),
        "contracts": Contract.objects.filter(
            status=Contract.Status.ACTIVE, supplier__in=suppliers_selectable()
        )
        .select_related("supplier")
        .order_by("number"),
        "data": request.POST if data is None else data,
        "errors": errors,
    }


@login_required
@require_http_methods(["GET", "POST"])
def requisition_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.submit_requisition"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    lines = _form_lines(request) if request.method == "POST" else []
    if request.method == "POST":
        fields = (
            "title",
            "justification",
            "cost_center",
            "spend_category",
            "legal_entity",
            "currency",
            "contract_note",
            "contract",
        )
        data: dict[str, Any] = {k: request.POST.get(k, "") for k in fields}
        data["supplier"] = request.POST.get("supplier") or None
        data["contract"] = request.POST.get("contract") or None
        data["need_by"] = request.POST.get("need_by") or None
        with refusal_caught() as refusal:
            data["lines"] = _typed_lines(lines)
            requisition = requisitions.requisition_create(actor=current_user(request), data=data)
            return _after_create(request, requisition)
        errors = refusal.field_errors
        if not errors:
            messages.error(request, refusal.detail)
    return render(
        request, "procurement/requisition_new.html", _form_context(request, lines, errors)
    )


# what the requisition form carried besides the requisition (the advice it showed), for a
# later context to act on once the requisition is saved
_form_saved_hooks = HookRegistry[Callable[..., None]](
    "procurement.views.on_requisition_form_saved",
    "the requisition form's spend-coding advice is recorded as followed or overridden",
)


def on_requisition_form_saved(hook: Callable[..., None]) -> None:
    """`hook(requisition=, user=, form=)` runs after the form created a requisition:
    registered in a later context's AppConfig.ready()."""
    if hook not in _form_saved_hooks:
        _form_saved_hooks.append(hook)


def _after_create(request: HttpRequest, requisition: Requisition) -> HttpResponse:
    """The draft exists from here on: a refused submission lands on it, never on a blank form
    that would create a second draft when sent again."""
    for hook in _form_saved_hooks:
        hook(requisition=requisition, user=current_user(request), form=request.POST)
    if "submit" not in request.POST:
        messages.success(request, _("%s saved as a draft.") % requisition.number)
        return redirect("requisition-page", requisition_id=requisition.pk)
    with refusal_caught() as refusal:
        requisition = requisitions.requisition_submit(
            actor=current_user(request), requisition_id=requisition.pk
        )
        messages.success(
            request,
            _("%(n)s submitted: %(s)s.")
            % {"n": requisition.number, "s": requisition.get_status_display().lower()},
        )
    if refusal:
        messages.error(
            request,
            _("%(n)s is saved as a draft but was not submitted: %(why)s")
            % {"n": requisition.number, "why": refusal.text},
        )
    return redirect("requisition-page", requisition_id=requisition.pk)


@login_required
@require_POST
def requisition_pick(request: HttpRequest) -> HttpResponse:
    """HTMX: add a contracted catalog item as a line at its contracted price; the form takes
    the item's contract, supplier and spend category (what on-contract needs)."""
    if not request.user.has_perm("accounts.submit_requisition"):
        raise PermissionDenied
    item = (
        CatalogItem.objects.select_related("contract", "spend_category")
        .filter(pk=str(request.POST.get("pick")))
        .first()
        if _is_uuid(request.POST.get("pick"))
        else None
    )
    lines = [line for line in _form_lines(request) if line["description"].strip()]
    data = request.POST.copy()
    errors: dict[str, list[str]] = {}
    if item is None:
        errors["lines"] = [_("That catalog item is not offered any more.")]
    else:
        lines.append(
            {
                "description": item.description,
                "quantity": "1",
                "unit_price": input_text(unit_price_value(item.unit_price, item.currency)),
                "catalog_item": str(item.pk),
            }
        )
        data["contract"] = str(item.contract_id)
        data["supplier"] = str(item.contract.supplier_id)
        data["spend_category"] = item.spend_category.code
        if not data.get("currency"):
            data["currency"] = item.currency
    return render(
        request, "procurement/_requisition_card.html", _form_context(request, lines, errors, data)
    )


def _is_uuid(value: Any) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@login_required
@require_POST
def requisition_totals(request: HttpRequest) -> HttpResponse:
    """HTMX: the line amounts and the total, recomputed by the server as the user types."""
    lines = _form_lines(request)
    totals = [_line_total(line) for line in lines]
    return render(
        request,
        "procurement/_totals.html",
        {
            "totals": totals,
            "total": sum((t for t in totals if t is not None), Decimal("0")),
            "currency": request.POST.get("currency", ""),
        },
    )


@login_required
def requisition_line_row(request: HttpRequest) -> HttpResponse:
    """HTMX: one more empty line."""
    return render(request, "procurement/_line_row.html", {"line": {"quantity": "1"}, "total": None})


@login_required
def requisition_detail(request: HttpRequest, requisition_id: str) -> HttpResponse:
    requisition = (
        selectors.requisitions_visible_to(current_user(request)).filter(pk=requisition_id).first()
    )
    if requisition is None:
        raise Http404
    route = selectors.requisition_route(requisition)
    order = (
        getattr(requisition, "purchase_order", None) if requisition.status == "ordered" else None
    )
    waits = requisition.status == Requisition.Status.APPROVED and requisition.supplier_id is None
    may_source = (
        request.user.has_perm("accounts.manage_purchase_orders")
        and requisition.requester_id != request.user.pk
    )
    return render(
        request,
        "procurement/requisition_detail.html",
        {
            "requisition": requisition,
            "route": route,
            "history": audit_events(
                subject_type="requisition", subject_id=str(requisition.pk)
            ).order_by("id"),
            "order": order,
            "is_requester": requisition.requester_id == request.user.pk,
            "waits_for_supplier": waits,
            "may_source": may_source,
            # the choice a buyer has: selectable suppliers only (the service holds to it)
            "suppliers": suppliers_selectable().order_by("name") if waits and may_source else [],
        },
    )


def _outcome(requisition: Requisition) -> str:
    """What an action did, in words: the order it issued, or where the requisition now is."""
    if requisition.status == Requisition.Status.ORDERED:
        order = PurchaseOrder.objects.filter(requisition=requisition).first()
        if order is not None:
            return _("%(n)s is ordered: %(po)s issued to %(s)s.") % {
                "n": requisition.number,
                "po": order.number,
                "s": requisition.supplier.name if requisition.supplier else "—",
            }
    if requisition.status == Requisition.Status.APPROVED and requisition.supplier_id is None:
        return _("%s is approved; a buyer chooses the supplier before the order is issued.") % (
            requisition.number
        )
    return _("%(n)s is now %(s)s.") % {
        "n": requisition.number,
        "s": requisition.get_status_display().lower(),
    }


@login_required
@require_POST
@confirm_first(
    Confirm(
        gettext_lazy("Cancel the requisition"),
        gettext_lazy(
            "The requisition is cancelled for good: its open approvals close and it cannot be "
            "submitted again."
        ),
        {"verb": "cancel"},
        capability="accounts.submit_requisition",
    )
)
def requisition_action(request: HttpRequest, requisition_id: str, verb: str) -> HttpResponse:
    actions: dict[str, Callable[..., Requisition]] = {
        "submit": requisitions.requisition_submit,
        "withdraw": requisitions.requisition_withdraw,
        "cancel": requisitions.requisition_cancel,
        "source": partial(
            sourcing.requisition_source, supplier_id=request.POST.get("supplier") or None
        ),
    }
    if verb not in actions:
        raise Http404
    with refusal_shown(request):
        requisition = actions[verb](actor=current_user(request), requisition_id=requisition_id)
        messages.success(request, _outcome(requisition))
    return redirect("requisition-page", requisition_id=requisition_id)


@login_required
def purchase_order_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "purchase_orders")
    orders = selectors.purchase_orders_visible_to(current_user(request))
    status = request.GET.get("status", "")
    if status == "open":  # due for receipt
        orders = orders.filter(
            status__in=[PurchaseOrder.Status.ISSUED, PurchaseOrder.Status.PARTIALLY_RECEIVED]
        )
    elif status == "unacknowledged":
        orders = orders.filter(status=PurchaseOrder.Status.ISSUED, acknowledged_at__isnull=True)
    elif status:
        orders = orders.filter(status=status)
    return render(
        request,
        "procurement/purchase_order_list.html",
        {"page": _page(request, orders), "status": status},
    )


@login_required
def purchase_order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    order = selectors.purchase_orders_visible_to(current_user(request)).filter(pk=order_id).first()
    if order is None:
        raise Http404
    receipts = (
        order.receipts.select_related("received_by")
        .prefetch_related("lines__po_line")
        .order_by("received_at")
    )
    return render(
        request,
        "procurement/purchase_order_detail.html",
        {
            "order": order,
            "receipts": receipts,
            # invoices against the order, for the roles that read invoices (the menu's rule)
            "invoices": (
                order.invoices.order_by("invoice_date").select_related("supplier")  # type: ignore[attr-defined]
                if may_open(request.user, "invoices")
                else None
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def purchase_order_receive(request: HttpRequest, order_id: str) -> HttpResponse:
    if not request.user.has_perm("accounts.post_goods_receipt"):
        raise PermissionDenied
    order = purchase_orders_visible_to(current_user(request)).filter(pk=order_id).first()
    if order is None:
        raise Http404
    lines = list(order.lines.all())
    if request.method == "POST":
        with refusal_shown(request):
            typed = decimal_texts(
                {f"qty-{line.pk}": request.POST.get(f"qty-{line.pk}") for line in lines},
                plain=True,  # number fields: the browser sends "12.5" in every language
            )
            rows = [
                {"po_line": line.pk, "quantity": typed[f"qty-{line.pk}"]}
                for line in lines
                if typed[f"qty-{line.pk}"] and Decimal(typed[f"qty-{line.pk}"]) != 0
            ]
            receipt = goods_receipt_post(
                actor=current_user(request),
                order_id=order.pk,
                lines=rows,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Receipt %s posted.") % receipt.number)
            return redirect("purchase-order-page", order_id=order.pk)
    return render(
        request,
        "procurement/receive.html",
        {
            "order": order,
            "lines": [
                {"line": line, "open": max(line.quantity - line.received_quantity, Decimal("0"))}
                for line in lines
            ],
        },
    )


# --------------------------------------------------------------------------- supplier portal
def portal_orders_section(user: User, supplier: Any) -> dict[str, Any]:
    """The supplier portal home's orders (registered in ProcurementConfig.ready)."""
    orders = purchase_orders_visible_to(user)
    return {"orders": orders[:HOME_ROWS], "order_count": orders.count()}


@login_required
def portal_orders(request: HttpRequest) -> HttpResponse:
    portal_supplier(request)
    orders = purchase_orders_visible_to(current_user(request))
    return render(
        request,
        "procurement/portal_orders.html",
        {"page": Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))},
    )


@login_required
@require_POST
def portal_acknowledge(request: HttpRequest, order_id: str) -> HttpResponse:
    portal_supplier(request)
    with refusal_shown(request):
        order = purchase_order_acknowledge(actor=current_user(request), order_id=order_id)
        messages.success(request, _("%s acknowledged.") % order.number)
    return redirect("/supplier-portal/#orders")
