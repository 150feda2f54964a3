"""A draft message to the supplier where the suggested resolution needs one: a credit note
request for a variance (sent, when the person applies "Request a credit note" with it, through
that resolution's own e-mail and portal notice) or a missing document (no send path in
Spendgate: the person copies it). The assistant never sends anything."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.invoices.models import InvoiceException
from apps.organization.money import amount_text

from .history import Case
from .summary import number, signed_percent

# the suggested resolutions whose outcome needs the supplier to act: (kind, send path)
CREDIT_NOTE = "credit_note_request"
MISSING_DOCUMENT = "missing_document"


def _credit_note_text(case: Case, exception: InvoiceException) -> str:
    invoice = exception.invoice
    d = case.data
    order = invoice.po_reference or getattr(invoice.purchase_order, "number", "")
    if case.code == "price_variance" and "ordered" in d:
        why = _(
            "line %(line)s is invoiced at %(invoiced)s a unit while our order %(order)s "
            "agreed %(ordered)s (%(percent)s %%)"
        ) % {
            "line": d.get("line_no", "?"),
            "invoiced": number(d.get("invoiced", 0)),
            "order": order,
            "ordered": number(d["ordered"]),
            "percent": signed_percent(case.percent),
        }
    elif case.code == "quantity_variance" and "open_on_order" in d:
        why = _(
            "line %(line)s invoices %(invoiced)s where %(open)s are left on our order %(order)s"
        ) % {
            "line": d.get("line_no", "?"),
            "invoiced": number(d.get("invoiced", 0), 0),
            "open": number(d["open_on_order"], 0),
            "order": order,
        }
    else:
        why = exception.detail.rstrip(".")
    return _(
        "Invoice %(number)s: %(why)s. Please send a credit note for %(amount)s %(currency)s "
        "referencing invoice %(number)s."
    ) % {
        "number": invoice.invoice_number,
        "why": why,
        "amount": amount_text(case.amount or invoice.total, case.currency),
        "currency": case.currency,
    }


def draft_message(
    case: Case, exception: InvoiceException, suggested: str | None, allowed: list[str]
) -> dict[str, Any] | None:
    """{kind, text, send_with} or None; `send_with` is the resolution that sends it when the
    person applies it, None when the person copies the text into their own mail."""
    invoice = exception.invoice
    if suggested == "request_credit_note":
        return {
            "kind": CREDIT_NOTE,
            "text": _credit_note_text(case, exception),
            "send_with": "request_credit_note" if "request_credit_note" in allowed else None,
        }
    if suggested == "rematch" and case.code in ("no_po", "po_not_found"):
        text = _(
            "Invoice %(number)s quotes no purchase order we know. Please tell us the number of "
            "our purchase order it bills, or send the invoice again quoting it."
        ) % {"number": invoice.invoice_number}
        return {"kind": MISSING_DOCUMENT, "text": text, "send_with": None}
    if suggested == "enter_lines" and case.code == "lines_required":
        text = _(
            "Invoice %(number)s carries no lines. Please send it again with its lines "
            "(description, quantity, unit price and our order line)."
        ) % {"number": invoice.invoice_number}
        return {"kind": MISSING_DOCUMENT, "text": text, "send_with": None}
    return None
