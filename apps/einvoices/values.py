"""What a parsed invoice's values may be before it is kept, whatever the channel (API,
portal, UBL, CII, Factur-X, CSV, e-mail): each a small named check on the model, run by
`refusals` (apps.controls.values holds the rules; docs/api.md, "Values"). Identifiers are held
to the lengths an invoice keeps (refused, never cut: a cut number names another document)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.utils.translation import gettext as _

from apps.controls.values import (
    PRICE_DIGITS,
    PRICE_PLACES,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    amount_problem,
    currency_problem,
    date_problem,
    identifier_problem,
)

from . import ParsedInvoice

Finding = tuple[str, str]  # (field, why)


def _dates(parsed: ParsedInvoice) -> Iterator[Finding]:
    for field, value in (("invoice_date", parsed.invoice_date), ("due_date", parsed.due_date)):
        if value is not None and (problem := date_problem(value)):
            yield field, problem


def _currency(parsed: ParsedInvoice) -> Iterator[Finding]:
    if problem := currency_problem(parsed.currency):
        yield "currency", problem


def _identifiers(parsed: ParsedInvoice) -> Iterator[Finding]:
    """Identifiers without invisible characters, each within its column (refused, not cut)."""
    for field, value, most in (
        ("invoice_number", parsed.invoice_number, 60),
        ("credited_invoice_number", parsed.billing_reference, 60),
        ("purchase_order", parsed.po_reference, 60),
        ("seller_tax_id", parsed.seller_tax_id, 40),
        ("seller_name", parsed.seller_names[0] if parsed.seller_names else "", None),
    ):
        if problem := identifier_problem(value or "", max_length=most):
            yield field, problem
    for i, line in enumerate(parsed.lines):
        reference = line.order_line_reference or ""
        if problem := identifier_problem(reference, max_length=60):
            yield f"lines[{i}].order_line_reference", problem


def _amounts(parsed: ParsedInvoice) -> Iterator[Finding]:
    for field in ("total", "payable", "lines_total", "tax_total", "allowance_total", "prepaid"):
        if problem := amount_problem(getattr(parsed, field)):
            yield field, problem
    for i, line in enumerate(parsed.lines):
        if problem := amount_problem(line.quantity, digits=QUANTITY_DIGITS, places=QUANTITY_PLACES):
            yield f"lines[{i}].quantity", problem
        if problem := amount_problem(line.unit_price, digits=PRICE_DIGITS, places=PRICE_PLACES):
            yield f"lines[{i}].unit_price", problem
        if problem := amount_problem(line.net_amount):
            yield f"lines[{i}].net_amount", problem


CHECKS: list[Callable[[ParsedInvoice], Iterator[Finding]]] = [
    _dates,
    _currency,
    _identifiers,
    _amounts,
]


def refusals(parsed: ParsedInvoice) -> dict[str, list[str]]:
    """Every value that may not be kept, by field; empty when the invoice may be."""
    found: dict[str, list[str]] = {}
    for check in CHECKS:
        for field, why in check(parsed):
            found.setdefault(field, []).append(why)
    return found


def detail(found: dict[str, list[str]]) -> str:
    return _("The invoice holds values that cannot be kept: %s.") % ", ".join(found)
