"""Pages that read an invoice PDF or photo into the invoice form: the supplier portal's "Read
my PDF or photo" (/supplier-portal/invoices/read/) and AP's upload of a PDF without embedded
XML (/invoices/read/). The form comes back with each field read at or above the policy's
threshold filled in and its confidence shown; a field read less surely is left empty with
what was read as a hint. The person checks and sends it; the invoice is received through
the intake's own service.

Amounts, quantities, prices and the tax rate are shown and typed in the reader's number format
("1.234,56" in German, "1 234,56" in French, "1,234.56" in English), read by
`apps.organization.number_input`; the services and the API keep plain decimals ("1234.56")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.api.pages import refusal_caught, refusal_shown
from apps.invoices.services.receive import MAX_LINES
from apps.organization.money import amount_text
from apps.organization.number_input import decimal_texts, input_text
from apps.procurement.selectors import purchase_orders_visible_to
from apps.suppliers.models import Supplier

from .services import invoice_extract, reader_scope, reading_confirm

EXTRA_LINES = 2
FIELD_LABELS = {
    "invoice_number": gettext_lazy("Invoice number"),
    "invoice_date": gettext_lazy("Invoice date"),
    "due_date": gettext_lazy("Due date"),
    "currency": gettext_lazy("Currency"),
    "total": gettext_lazy("Invoice total (with tax)"),
}
NUMBER_FIELDS = ("total",)  # of FIELD_LABELS; typed in the reader's number format
LINE_NUMBERS = ("quantity", "unit_price")


def tax_rate_of(fields: dict[str, Any]) -> str:
    try:
        net, tax = Decimal(fields.get("net_total") or ""), Decimal(fields.get("tax_total") or "")
    except (InvalidOperation, TypeError):
        return ""
    return str((tax / net * 100).quantize(Decimal("0.01"))) if net else ""


def form_rows(answer: dict[str, Any]) -> dict[str, Any]:
    """What the template shows: per field its pre-filled value (or empty) and the hint."""
    threshold = answer["threshold"]
    fields, confidence = answer["fields"], answer["confidence"]
    rows = []
    for key, label in FIELD_LABELS.items():
        sure = confidence.get(key, 0) >= threshold and fields.get(key) not in (None, "")
        read = input_text(fields.get(key)) if key in NUMBER_FIELDS else fields.get(key)
        rows.append(
            {
                "name": key,
                "label": label,
                "value": read if sure else "",
                "read": read,
                "confidence": round(100 * confidence.get(key, 0)),
                "sure": sure,
                "type": "date" if key.endswith("date") else "text",
                "decimal": key in NUMBER_FIELDS,
            }
        )
    lines_sure = confidence.get("lines", 0) >= threshold
    currency = str(fields.get("currency") or "")
    lines = [
        {
            **line,
            **{k: input_text(line.get(k)) for k in LINE_NUMBERS},
            "amount": amount_text(line.get("amount"), currency),
            "sure": lines_sure,
        }
        for line in fields.get("lines") or []
    ]
    lines += [{"description": "", "quantity": "", "unit_price": "", "sure": True}] * EXTRA_LINES
    supplier = fields.get("supplier") or {}
    tax_rate = input_text(tax_rate_of(fields))
    return {
        "rows": rows,
        "lines": lines,
        "lines_confidence": round(100 * confidence.get("lines", 0)),
        "lines_sure": lines_sure,
        "tax_rate": tax_rate if confidence.get("tax_total", 0) >= threshold else "",
        "tax_rate_read": tax_rate,
        "supplier_id": supplier.get("id") if confidence.get("supplier", 0) >= threshold else "",
        "supplier_read": supplier,
        "supplier_confidence": round(100 * confidence.get("supplier", 0)),
        "po_id": fields.get("purchase_order_id")
        if confidence.get("po_number", 0) >= threshold
        else "",
        "po_read": fields.get("po_number"),
        "po_confidence": round(100 * confidence.get("po_number", 0)),
    }


def posted_form(request: HttpRequest) -> dict[str, Any]:
    """The form as the person sent it, its numbers read in their language and handed on as
    plain decimals; every field that is not a number is refused at once (ValidationFailed,
    naming what a number looks like in their format)."""
    post = request.POST
    lines = []
    # the form's own count of line rows, bounded by what an invoice may hold (one more row
    # lets invoice_create refuse "too many lines" in words)
    count = post.get("line_count", "")
    for i in range(min(int(count), MAX_LINES + 1) if count.isdigit() else 0):
        lines.append({k: post.get(f"line-{i}-{k}", "") for k in ("description", *LINE_NUMBERS)})
    form: dict[str, Any] = {k: post.get(k, "") for k in (*FIELD_LABELS, "tax_rate", "supplier")}
    numbers = decimal_texts(
        {
            **{k: form[k] for k in (*NUMBER_FIELDS, "tax_rate")},
            **{f"lines[{i}].{k}": line[k] for i, line in enumerate(lines) for k in LINE_NUMBERS},
        }
    )
    form.update({k: numbers[k] for k in (*NUMBER_FIELDS, "tax_rate")})
    for i, line in enumerate(lines):
        line.update({k: numbers[f"lines[{i}].{k}"] for k in LINE_NUMBERS})
    form["purchase_order"] = post.get("purchase_order") or None
    form["lines"] = lines
    return form


@login_required
@require_http_methods(["GET", "POST"])
def invoice_read(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    with refusal_caught() as refused:
        scope = reader_scope(user)
    if refused:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    portal = scope is not None
    context: dict[str, Any] = {
        "portal": portal,
        "orders": purchase_orders_visible_to(user)[:200],
        "suppliers": [] if portal else Supplier.objects.order_by("name").only("pk", "name")[:500],
    }
    if request.method == "POST" and request.POST.get("action") == "confirm":
        with refusal_shown(request) as refusal:
            invoice = reading_confirm(
                actor=user, advice_id=request.POST.get("advice_id"), form=posted_form(request)
            )
        if not refusal:
            messages.success(request, _("Invoice %s received.") % invoice.invoice_number)
            if portal:
                return redirect("/supplier-portal/#invoices")
            return redirect("invoice-page", invoice_id=invoice.pk)
    elif request.method == "POST":
        with refusal_shown(request) as refusal:
            answer = invoice_extract(actor=user, upload=request.FILES.get("file"), keep=True)
        if not refusal:
            context.update(answer=answer, advice_id=answer["advice_id"], **form_rows(answer))
            context["line_count"] = len(context["lines"])
    status = 400 if request.method == "POST" and "answer" not in context else 200
    return render(request, "assistants/invoice_read.html", context, status=status)
