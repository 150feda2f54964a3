"""An invoice entered as data (the API's JSON body, the supplier portal's form beside its PDF)
read into the same model as a file: each line's net amount and the tax computed from
quantity, price and rate, as for a row of our CSV layout (csvfile.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import ZERO, ParsedInvoice, ParsedLine

CENT = Decimal("0.01")


def parse_entered(data: dict[str, Any]) -> ParsedInvoice:
    """The invoice as a parsed file would state it; `data` as the API's serializer read it
    (channel `api` unless it names another, `portal`)."""
    lines = []
    for i, line in enumerate(data["lines"], start=1):
        net = (line["quantity"] * line["unit_price"]).quantize(CENT)
        lines.append(
            ParsedLine(
                line_no=i,
                description=line["description"],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                net_amount=net,
                tax_rate=line.get("tax_rate") or ZERO,
            )
        )
    lines_total = sum((line.net_amount for line in lines), ZERO)
    tax_total = sum(
        ((line.net_amount * line.tax_rate / 100).quantize(CENT) for line in lines), ZERO
    )
    return ParsedInvoice(
        channel=data.get("channel", "api"),
        kind=data.get("kind") or "invoice",
        invoice_number=data["invoice_number"],
        invoice_date=data["invoice_date"],
        due_date=data.get("due_date"),
        currency=data["currency"],
        lines=lines,
        lines_total=lines_total,
        tax_total=tax_total,
        total=data["total"],
        payable=data["total"],
        billing_reference=data.get("credited_invoice_number", ""),
    )
