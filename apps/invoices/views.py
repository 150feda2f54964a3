"""Portal pages of accounts payable: invoices (list, import, detail with the whole story) and
the exception queues (side by side with variances)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.pages import Confirm, confirm_first, confirmed_values, refusal_shown
from apps.audit.selectors import audit_events
from apps.controls.periods import day_of, period_of
from apps.controls.refusals import ValidationFailed
from apps.einvoices.csvfile import TEMPLATE
from apps.organization.number_input import decimal_text
from apps.procurement.selectors import purchase_orders_visible_to
from apps.suppliers.models import Supplier
from apps.suppliers.portal import HOME_ROWS, portal_supplier
from apps.tenancy.context import tenant_zone

from . import selectors
from .advice import exception_advice_panel
from .exception_codes import CODE_LABELS, CODES, QUEUES, RESOLUTIONS
from .figures import exceptions_drilled, invoices_drilled
from .files import original_file
from .models import CreditNoteRequest, Invoice
from .rules import may_read_invoices, variance_authority
from .services import receive, resolutions

PAGE_SIZE = 25
INVOICE_DRILLS = ("from", "to", "legal_entity", "figure", "channel", "kind")
# what a link from /insights/ narrows the exception list by (apps.invoices.figures)
EXCEPTION_DRILLS = (
    *("raised_from", "raised_to", "resolved_from", "resolved_to"),
    *("legal_entity", "supplier", "age"),
)
# who may resolve an exception: whoever works a queue (apps.invoices.rules.may_work)
QUEUE_WORKERS = tuple(sorted({capability for capability, _label in QUEUES.values()}))


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _reader(request: HttpRequest) -> None:
    """Invoice pages are for the roles that work invoices (apps.invoices.rules)."""
    if not may_read_invoices(current_user(request)):
        raise PermissionDenied


def _queue_reader(request: HttpRequest) -> None:
    """Exception pages are for those who work a queue, and auditors."""
    if not selectors.queues_of(current_user(request)):
        raise PermissionDenied


def _period(request: HttpRequest, prefix: str = "") -> tuple[Any, Any] | None:
    """The [since, until) a figure of /insights/ counted over (`from`/`to`, or
    `raised_from`/`raised_to`, days in the tenant's zone), None when the link names none."""
    first, last = request.GET.get(f"{prefix}from"), request.GET.get(f"{prefix}to")
    if not (first or last):
        return None
    with refusal_shown(request) as refused:
        period = period_of(day_of(first, "from"), day_of(last, "to"), tenant_zone())
    return None if refused else (period.since, period.until)


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    _reader(request)
    status, q = request.GET.get("status", ""), request.GET.get("q", "")
    invoices = selectors.invoice_list(current_user(request), status=status or None, q=q or None)
    since, until = _period(request) or (None, None)
    drill = {k: request.GET.get(k) for k in INVOICE_DRILLS[2:]}
    invoices = invoices_drilled(invoices, since=since, until=until, **drill)
    return render(
        request,
        "invoices/invoice_list.html",
        {
            "page": _page(request, invoices),
            "status": status,
            "q": q,
            "statuses": Invoice.Status.choices,
            "drilled": {k: v for k, v in request.GET.items() if k in INVOICE_DRILLS},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invoice_import(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.process_invoices"):
        raise PermissionDenied
    if request.method == "POST":
        with refusal_shown(request) as refusal:
            invoices = receive.invoices_import(
                actor=current_user(request), upload=request.FILES.get("file")
            )
        if refusal:
            return render(request, "invoices/invoice_import.html", status=400)
        messages.success(
            request,
            ngettext(
                "%(n)d invoice received; matching is running and this page updates by itself.",
                "%(n)d invoices received; matching is running and this page updates by itself.",
                len(invoices),
            )
            % {"n": len(invoices)},
        )
        return redirect("invoice-page", invoice_id=invoices[0].pk)
    return render(request, "invoices/invoice_import.html")


def csv_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(TEMPLATE, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="spendgate-invoice-template.csv"'
    return response


@login_required
def invoice_detail(request: HttpRequest, invoice_id: str) -> HttpResponse:
    _reader(request)
    invoice = selectors.invoice_detail(current_user(request), invoice_id)
    if invoice is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "rematch":
        with refusal_shown(request):
            resolutions.invoice_rematch(actor=current_user(request), invoice_id=invoice.pk)
        return redirect("invoice-page", invoice_id=invoice.pk)
    return render(
        request,
        "invoices/invoice_detail.html",
        {
            "invoice": invoice,
            "history": audit_events(subject_type="invoice", subject_id=str(invoice.pk)),
            "codes": CODES,
        },
    )


@login_required
def invoice_file(request: HttpRequest, invoice_id: str) -> FileResponse:
    invoice = selectors.invoices_visible_to(current_user(request)).filter(pk=invoice_id).first()
    if invoice is None or not invoice.file:
        raise Http404
    return original_file(invoice)


@login_required
def exception_list(request: HttpRequest) -> HttpResponse:
    _queue_reader(request)
    params = {
        k: request.GET.get(k, "") for k in ("status", "code", "category", "queue", "assignee")
    }
    params["status"] = params["status"] or "open"
    exceptions = exceptions_drilled(
        selectors.exception_search(
            current_user(request), **{k: v or None for k, v in params.items()}
        ),
        raised=_period(request, "raised_"),
        resolved=_period(request, "resolved_"),
        legal_entity=request.GET.get("legal_entity"),
        supplier=request.GET.get("supplier"),
        age=request.GET.get("age"),
    )
    queues = {q: QUEUES[q][1] for q in selectors.queues_of(current_user(request))}
    counts = selectors.queue_counts(current_user(request))
    return render(
        request,
        "invoices/exception_list.html",
        {
            "page": _page(request, exceptions),
            "params": params,
            "now": timezone.now(),
            "codes": sorted(CODES),
            "queues": queues,
            "queue_rows": [(q, label, counts.get(q, 0)) for q, label in queues.items()],
            "drilled": {k: v for k, v in request.GET.items() if k in EXCEPTION_DRILLS},
        },
    )


def _entered_lines(text: str) -> list[dict[str, str]]:
    """The page's lines box, one line per row: quantity; unit price; description; order line."""
    rows = []
    for row in filter(None, (r.strip() for r in text.splitlines())):
        cells = [c.strip() for c in row.split(";")] + ["", "", "", ""]
        rows.append(
            {"quantity": cells[0], "unit_price": cells[1], "description": cells[2]}
            | ({"order_line": cells[3]} if cells[3] else {})
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Reject the invoice"),
        gettext_lazy(
            "The invoice is rejected with your reason and never paid; the supplier has to send "
            "it again, corrected."
        ),
        {"resolution": "reject_invoice"},
        capability=QUEUE_WORKERS,
    ),
    Confirm(
        gettext_lazy("Override the exception"),
        gettext_lazy(
            "The invoice goes on to approval and payment despite this exception; your reason is "
            "on record."
        ),
        {"resolution": "override"},
        capability=QUEUE_WORKERS,
    ),
    Confirm(
        gettext_lazy("Accept the variance"),
        gettext_lazy(
            "The invoice goes on to approval and payment as invoiced, above what the order and "
            "its tolerance allow."
        ),
        {"resolution": "accept_variance"},
        capability=QUEUE_WORKERS,
    ),
    Confirm(
        gettext_lazy("Release the possible duplicate"),
        gettext_lazy(
            "The invoice is taken as no duplicate and goes on to approval and payment beside the "
            "invoice it resembles."
        ),
        {"resolution": "release_duplicate"},
        capability=QUEUE_WORKERS,
    ),
)
def exception_detail(request: HttpRequest, exception_id: str) -> HttpResponse:
    _queue_reader(request)
    exception = (
        selectors.exceptions_visible_to(current_user(request)).filter(pk=exception_id).first()
    )
    if exception is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        with refusal_shown(request):
            if action == "comment":
                resolutions.exception_comment(
                    actor=current_user(request),
                    exception_id=exception.pk,
                    body=request.POST.get("body", ""),
                )
            elif action == "assign_me":
                resolutions.exception_assign(
                    actor=current_user(request),
                    exception_id=exception.pk,
                    assignee=current_user(request),
                )
            else:
                resolved = resolutions.exception_resolve(
                    actor=current_user(request),
                    exception_id=exception.pk,
                    resolution=request.POST.get("resolution", ""),
                    comment=request.POST.get("comment", ""),
                    purchase_order=request.POST.get("purchase_order", ""),
                    supplier=request.POST.get("supplier", ""),
                    lines=_entered_lines(request.POST.get("lines", "")),
                    credited_invoice=request.POST.get("credited_invoice", ""),
                )
                messages.success(
                    request,
                    _("%(what)s on invoice %(invoice)s: %(status)s.")
                    % {
                        "invoice": exception.invoice.invoice_number,
                        "what": CODE_LABELS.get(resolved.code, resolved.code),
                        "status": resolved.get_status_display().lower(),
                    },
                )
        return redirect("exception-page", exception_id=exception.pk)
    context = selectors.exception_context(exception)
    allowed = [
        r for r, (codes, _c) in RESOLUTIONS.items() if codes is None or exception.code in codes
    ]
    return render(
        request,
        "invoices/exception_detail.html",
        {
            "exception": exception,
            **context,
            "resolutions": allowed,
            "confirmed_resolutions": confirmed_values(exception_detail, "resolution"),
            "authority": variance_authority(current_user(request)),
            "overdue": exception.due_at < timezone.now(),
            "history": audit_events(subject_type="invoice", subject_id=str(exception.invoice_id)),
            "advice_panel": exception_advice_panel(exception),
        },
    )


# --------------------------------------------------------------------------- supplier portal
def _portal_invoices(supplier: Supplier) -> Any:
    return Invoice.objects.filter(supplier=supplier).order_by("-created_at", "-pk")


def _credit_requests(supplier: Supplier) -> Any:
    """The credit notes the customer asked of this supplier (AP owns them)."""
    return (
        CreditNoteRequest.objects.filter(invoice__supplier=supplier)
        .select_related("invoice")
        .order_by("-requested_at")
    )


def portal_invoices_section(user: User, supplier: Supplier) -> dict[str, Any]:
    """The supplier portal home's invoices (registered in InvoicesConfig.ready)."""
    invoices = _portal_invoices(supplier)
    return {
        "invoices": invoices[:HOME_ROWS],
        "invoice_count": invoices.count(),
        "credit_requests": _credit_requests(supplier).filter(
            status=CreditNoteRequest.Status.REQUESTED
        ),
    }


@login_required
def portal_invoices(request: HttpRequest) -> HttpResponse:
    supplier = portal_supplier(request)
    return render(
        request,
        "invoices/portal_invoices.html",
        {
            "page": Paginator(_portal_invoices(supplier), PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "credit_requests": _credit_requests(supplier),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def portal_invoice_submit(request: HttpRequest) -> HttpResponse:
    """A supplier sends an invoice: an e-invoice file (UBL or Factur-X), or a PDF with the
    invoice's data entered against one of its orders."""
    from apps.suppliers.selectors import supplier_of

    if not request.user.has_perm("accounts.use_supplier_portal"):
        raise PermissionDenied
    supplier = supplier_of(current_user(request))
    if supplier is None:
        raise PermissionDenied
    orders = purchase_orders_visible_to(current_user(request))
    order_id = request.POST.get("order") or request.GET.get("order")
    order = orders.filter(pk=order_id).first() if order_id else None
    if request.method == "POST":
        with refusal_shown(request):
            invoices = _invoices_sent(request, supplier, order)
            messages.success(
                request, _("Invoice %s received.") % ", ".join(i.invoice_number for i in invoices)
            )
            return redirect("/supplier-portal/#invoices")
    return render(
        request,
        "invoices/portal_submit.html",
        {"orders": orders, "order": order, "supplier": supplier, "today": timezone.localdate()},
    )


def _invoices_sent(request: HttpRequest, supplier: Supplier, order: Any) -> list[Invoice]:
    """The supplier's e-invoice file, or its PDF with the lines it entered against `order`; an
    entry that is not a date or an amount is refused like any other input."""
    from apps.suppliers.uploads import inspect_upload

    user = current_user(request)
    upload = request.FILES.get("file")
    try:
        if order is None:
            invoices = receive.invoices_import(actor=user, upload=upload, supplier=supplier)
        else:
            pdf = inspect_upload(upload)
            order_lines = list(order.lines.all())
            # number fields: the browser sends "0.125" in every language; what is not a
            # number is a ValueError, refused below with the date
            typed = {
                name: decimal_text(request.POST.get(name), plain=True)
                for name in (
                    "tax_rate",
                    "total",
                    *(f"{kind}-{line.pk}" for line in order_lines for kind in ("qty", "price")),
                )
            }
            lines = [
                {
                    "po_line": line.pk,
                    "description": line.description,
                    "quantity": Decimal(typed[f"qty-{line.pk}"] or "0"),
                    "unit_price": Decimal(typed[f"price-{line.pk}"] or "0"),
                    "tax_rate": Decimal(typed["tax_rate"] or "0"),
                }
                for line in order_lines
                if Decimal(typed[f"qty-{line.pk}"] or "0") != 0
            ]
            if not lines:
                raise ValidationFailed(errors={"lines": [_("Invoice at least one line.")]})
            data = {
                "purchase_order": order.pk,
                "invoice_number": request.POST.get("invoice_number", "").strip(),
                "invoice_date": date.fromisoformat(request.POST.get("invoice_date", "")),
                "currency": order.currency,
                "lines": lines,
                "total": Decimal(typed["total"] or "0"),
                "channel": Invoice.Channel.PORTAL,
                "original": (
                    pdf.content.read(),
                    pdf.original_name,
                    pdf.content_type,
                    pdf.extension,
                ),
            }
            if not data["invoice_number"]:
                raise ValidationFailed(errors={"invoice_number": [_("Give your invoice number.")]})
            invoices = [receive.invoice_create(actor=user, data=data, supplier=supplier)]
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed(_("Check the date (YYYY-MM-DD) and the amounts.")) from exc
    return invoices
