"""The arithmetic of an EN 16931 invoice, checked on the shared model whatever the format.

Line net (BT-131) = quantity x net price / base quantity - line allowances + line charges;
the lines add up to BT-106 (BR-CO-10); document-level allowances and charges to BT-107/BT-108
(BR-CO-11/12); BT-109 = BT-106 - BT-107 + BT-108 (BR-CO-13); each VAT breakdown's tax is its
taxable amount times its rate (BR-CO-17) and the breakdowns add up to BT-110 (BR-CO-14);
BT-112 = BT-109 + BT-110 (BR-CO-15); BT-115 = BT-112 - BT-113 + BT-114 (BR-CO-16).

Amounts are rounded to the currency's minor unit (ISO 4217, with the units that are used in
practice: HUF and JPY in whole units), and the standard's rounding tolerance is one minor unit
per figure (per unit of quantity on a line, whose unit price may carry more decimals)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from apps.organization.money import MINOR_UNITS as ISO_MINOR_UNITS

from . import ZERO, ParsedInvoice

# ISO 4217's minor units (apps.organization.money), with the units used in practice: HUF is 2
# in the standard but invoiced in whole forints
MINOR_UNITS = {**ISO_MINOR_UNITS, "HUF": 0}


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01 EUR, 1 HUF, 1 JPY, 0.001 KWD."""
    return Decimal(1).scaleb(-MINOR_UNITS.get((currency or "").upper(), 2))


def rounded(value: Decimal, currency: str) -> Decimal:
    return value.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def returned_lines(parsed: ParsedInvoice) -> None:
    """A line whose net is the negative of quantity x price is a return stated with a positive
    quantity (an official EN 16931 example does this): its quantity takes the net's sign, so
    what it credits is read as a quantity returned, not one invoiced."""
    unit = minor_unit(parsed.currency)
    for line in parsed.lines:
        expected = line.quantity * line.unit_price + line.adjustments
        if (
            line.net_amount < 0 < line.quantity
            and not line.adjustments
            and abs(expected + line.net_amount) <= unit * max(Decimal(1), abs(line.quantity))
        ):
            line.quantity = -line.quantity


def _off(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    return abs(a - b) > tolerance


def arithmetic_problems(parsed: ParsedInvoice) -> list[str]:
    """What does not add up, in words, naming the figures (empty: the file is right)."""
    unit = minor_unit(parsed.currency)
    problems = []
    if not parsed.header_only:
        lines_sum = sum((line.net_amount for line in parsed.lines), ZERO)
        if _off(lines_sum, parsed.lines_total, unit):
            problems.append(
                _("The lines add up to %(sum)s, the invoice says %(total)s.")
                % {"sum": lines_sum, "total": parsed.lines_total}
            )
    for line in parsed.lines:
        expected = rounded(line.quantity * line.unit_price + line.adjustments, parsed.currency)
        if _off(expected, line.net_amount, unit * max(Decimal(1), abs(line.quantity))):
            detail = _("Line %(n)s: %(q)s x %(p)s is not %(net)s.") % {
                "n": line.line_no,
                "q": line.quantity,
                "p": line.unit_price,
                "net": line.net_amount,
            }
            if line.adjustments:
                detail = _(
                    "Line %(n)s: %(q)s x %(p)s with %(adj)s in line allowances and charges is "
                    "%(expected)s, not %(net)s."
                ) % {
                    "n": line.line_no,
                    "q": line.quantity,
                    "p": line.unit_price,
                    "adj": line.adjustments,
                    "expected": expected,
                    "net": line.net_amount,
                }
            problems.append(detail)
    for label, items, total in (
        (_("allowances"), parsed.document_allowances, parsed.allowance_total),
        (_("charges"), parsed.document_charges, parsed.charge_total),
    ):
        if items is not None and _off(sum(items, ZERO), total, unit):
            problems.append(
                _("The document-level %(what)s add up to %(sum)s, the invoice says %(total)s.")
                % {"what": label, "sum": sum(items, ZERO), "total": total}
            )
    net = parsed.lines_total - parsed.allowance_total + parsed.charge_total
    if parsed.tax_basis_total is not None and _off(net, parsed.tax_basis_total, unit):
        problems.append(
            _(
                "Lines %(lines)s less allowances %(a)s plus charges %(c)s is %(net)s, "
                "the invoice says %(basis)s."
            )
            % {
                "lines": parsed.lines_total,
                "a": parsed.allowance_total,
                "c": parsed.charge_total,
                "net": net,
                "basis": parsed.tax_basis_total,
            }
        )
    breakdown_tax = ZERO
    for row in parsed.tax_breakdown:
        taxable, rate, tax = Decimal(row["taxable"]), Decimal(row["rate"]), Decimal(row["tax"])
        breakdown_tax += tax
        if _off(rounded(taxable * rate / 100, parsed.currency), tax, unit):
            problems.append(
                _("Tax at %(rate)s%% on %(taxable)s is not %(tax)s.")
                % {"rate": rate, "taxable": taxable, "tax": tax}
            )
    if parsed.tax_breakdown and _off(breakdown_tax, parsed.tax_total, unit):
        problems.append(
            _("The tax subtotals add up to %(sum)s, the tax total is %(total)s.")
            % {"sum": breakdown_tax, "total": parsed.tax_total}
        )
    if _off(net + parsed.tax_total, parsed.total, unit):
        problems.append(
            _("Net %(net)s plus tax %(tax)s is %(sum)s, the invoice total is %(total)s.")
            % {
                "net": net,
                "tax": parsed.tax_total,
                "sum": net + parsed.tax_total,
                "total": parsed.total,
            }
        )
    due = parsed.total - parsed.prepaid + parsed.rounding
    if parsed.prepaid_stated and _off(due, parsed.payable, unit):
        problems.append(
            _("Total %(total)s less %(paid)s paid is %(due)s, the invoice asks for %(payable)s.")
            % {"total": parsed.total, "paid": parsed.prepaid, "due": due, "payable": parsed.payable}
        )
    if parsed.header_only and problems:
        problems.insert(0, _("%s (header only):") % parsed.profile)
    return problems
