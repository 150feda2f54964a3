"""Our CSV layout: one row per invoice line; rows with the same supplier and invoice number
form one invoice. Each row names its order (po_number, po_line), so one invoice can cover
several orders; the first row's order is the invoice's. The template is served at
/invoices/import/template.csv and in docs/."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from apps.controls.csvfiles import formula_cells

from . import ZERO, InvalidDocument, ParsedInvoice, ParsedLine, date_of, decimal_of

COLUMNS = [
    "supplier_tax_id",
    "supplier_name",
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "po_number",
    "po_line",
    "description",
    "quantity",
    "unit_price",
    "tax_rate",
    "invoice_total",
]
REQUIRED = {
    "invoice_number",
    "invoice_date",
    "currency",
    "description",
    "quantity",
    "unit_price",
    "invoice_total",
}
TEMPLATE = (
    ",".join(COLUMNS)
    + "\r\n"
    + (
        "DE811907980,Contoso GmbH,INV-2026-0042,2026-11-02,2026-12-02,EUR,PO-DE01-000001,1,"
        "Laptop stand,10,45.00,19,535.50\r\n"
    )
)
MAX_ROWS = 5000


def _cell(row: dict[str, str], column: str, number: int) -> str:
    value = (row.get(column) or "").strip()
    if column in REQUIRED and not value:
        raise InvalidDocument(
            _("Row %(row)s, column %(col)s: a value is required.") % {"row": number, "col": column},
            where=f"row {number}, {column}",
        )
    return value


def parse_csv(data: bytes) -> list[ParsedInvoice]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidDocument(_("The CSV must be UTF-8 text.")) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidDocument(
            _("The header row lacks the columns: %s.") % ", ".join(missing), where="row 1"
        )
    reader.fieldnames = header
    invoices: dict[tuple[str, str, str], ParsedInvoice] = {}
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise InvalidDocument(
                _("At most %s lines per file; split the file.") % MAX_ROWS, where=f"row {number}"
            )
        if None in row:
            raise InvalidDocument(
                _("Row %s has more cells than the header.") % number, where=f"row {number}"
            )
        if not any((v or "").strip() for v in row.values()):
            continue
        formulas = formula_cells(row)
        if formulas:
            column = formulas[0]
            raise InvalidDocument(
                _(
                    "Row %(row)s, column %(col)s starts with = + - @, a tab or a line break: "
                    "a spreadsheet would run it as a formula."
                )
                % {"row": number, "col": column},
                where=f"row {number}, {column}",
            )

        def cell(column: str, row: dict[str, str] = row, number: int = number) -> str:
            return _cell(row, column, number)

        def money(column: str, number: int = number) -> Decimal:
            return decimal_of(cell(column) or "0", f"row {number}, {column}")

        supplier = (cell("supplier_tax_id"), cell("supplier_name"))
        if not any(supplier):
            raise InvalidDocument(
                _("Row %s: give supplier_tax_id or supplier_name.") % number,
                where=f"row {number}, supplier_tax_id",
            )
        key = (*supplier, cell("invoice_number"))
        quantity, price = money("quantity"), money("unit_price")
        invoice_date = date_of(cell("invoice_date"), f"row {number}, invoice_date")
        due = cell("due_date")
        invoice = invoices.get(key)
        if invoice is None:
            invoice = invoices[key] = ParsedInvoice(
                channel="csv",
                kind="invoice",
                invoice_number=cell("invoice_number"),
                invoice_date=invoice_date,
                due_date=date_of(due, f"row {number}, due_date") if due else None,
                currency=cell("currency"),  # as written: "eur" is refused, not corrected
                lines=[],
                total=money("invoice_total"),
                payable=money("invoice_total"),
                po_reference=cell("po_number"),
                seller_tax_id=supplier[0],
                seller_names=[supplier[1]] if supplier[1] else [],
            )
        elif invoice.total != money("invoice_total") or invoice.currency != cell("currency"):
            raise InvalidDocument(
                _("Row %s: the invoice total or currency differs from the invoice's first row.")
                % number,
                where=f"row {number}, invoice_total",
            )
        net = (quantity * price).quantize(Decimal("0.01"))
        invoice.lines.append(
            ParsedLine(
                line_no=len(invoice.lines) + 1,
                description=cell("description")[:300],
                quantity=quantity,
                unit_price=price,
                net_amount=net,
                tax_rate=money("tax_rate"),
                order_line_reference=cell("po_line"),
                order_reference=cell("po_number"),
            )
        )
    if not invoices:
        raise InvalidDocument(_("The CSV has no invoice rows."), where="row 2")
    for invoice in invoices.values():
        invoice.lines_total = sum((line.net_amount for line in invoice.lines), ZERO)
        invoice.tax_total = sum(
            (
                (line.net_amount * line.tax_rate / 100).quantize(Decimal("0.01"))
                for line in invoice.lines
            ),
            ZERO,
        )
    return list(invoices.values())
