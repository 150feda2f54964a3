"""Invoice documents read into one shape, the model of an EN 16931 invoice (`ParsedInvoice`),
whatever the channel: UBL 2.1 / Peppol BIS Billing 3.0, UN/CEFACT CII (raw XML as XRechnung
sends it, or inside a Factur-X / ZUGFeRD PDF) and our CSV layout. Parsers only read; they
refuse a file they cannot read completely with `invalid_document` and the element or row and
column, and a profile they do not take with `unsupported_profile` naming it. An invoice entered
as data (API, portal form) is read into the same model (entered.py). The arithmetic the
standard defines is checked once, on this model (arithmetic.py), and so are the values an
invoice may hold (values.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError

ZERO = Decimal("0")


class InvalidDocument(ApplicationError):
    status = 422
    code = "invalid_document"

    def __init__(self, detail: str, *, where: str = "file"):
        super().__init__(detail, errors={where: [detail]})


class UnsupportedProfile(ApplicationError):
    """A well-formed e-invoice of a profile we do not import (ZUGFeRD 1.0, an unknown
    guideline): refused with the profile named."""

    status = 422
    code = "unsupported_profile"

    def __init__(self, profile: str):
        detail = _(
            "The e-invoice profile %s is not supported: send EN 16931 (UBL, CII, XRechnung, "
            "Factur-X / ZUGFeRD 2.x) or a Factur-X MINIMUM or BASIC WL file."
        ) % (profile or _("(none given)"))
        super().__init__(detail, errors={"profile": [detail]})


@dataclass
class ParsedLine:
    line_no: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal
    tax_rate: Decimal = ZERO
    tax_category: str = ""
    order_line_reference: str = ""
    # the order this line is for, when it is not the invoice's (a CSV row names its own)
    order_reference: str = ""
    # line-level charges minus allowances (BG-27/BG-28): net = quantity x unit price +
    # adjustments, where the unit price is the net price over its base quantity
    adjustments: Decimal = ZERO


@dataclass
class ParsedInvoice:
    channel: str
    kind: str
    invoice_number: str
    invoice_date: date
    currency: str
    lines: list[ParsedLine]
    total: Decimal
    payable: Decimal
    lines_total: Decimal = ZERO
    allowance_total: Decimal = ZERO
    charge_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    prepaid: Decimal = ZERO
    due_date: date | None = None
    po_reference: str = ""
    billing_reference: str = ""
    seller_tax_id: str = ""
    seller_names: list[str] = field(default_factory=list)
    tax_breakdown: list[dict[str, str]] = field(default_factory=list)
    discount_percent: Decimal = ZERO
    discount_until: date | None = None
    # the profile as the file declares it, named for people ("Factur-X MINIMUM", "XRechnung")
    profile: str = ""
    # MINIMUM and BASIC WL carry header totals and tax breakdown but no lines, by design
    header_only: bool = False
    # BT-109 as stated, and the document-level allowances and charges (BG-20/BG-21) one by
    # one, when the format carries them (None: not stated, nothing to compare)
    tax_basis_total: Decimal | None = None
    document_allowances: list[Decimal] | None = None
    document_charges: list[Decimal] | None = None
    rounding: Decimal = ZERO
    # BT-113 paid amount is not part of every profile (MINIMUM): then payable is not checked
    prepaid_stated: bool = True
    # what else names the seller, to tell suppliers sharing a tax id apart
    seller_endpoint: str = ""
    seller_ibans: list[str] = field(default_factory=list)


def decimal_of(text: str | None, where: str) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise InvalidDocument(
            _("%(where)s: %(v)r is not a number.") % {"where": where, "v": text}, where=where
        ) from None
    if not value.is_finite():
        raise InvalidDocument(_("%s is not a number.") % where, where=where)
    return value


def date_of(text: str | None, where: str) -> date:
    raw = (text or "").strip()
    for pattern in (r"^(\d{4})-(\d{2})-(\d{2})$", r"^(\d{4})(\d{2})(\d{2})$"):
        found = re.match(pattern, raw)
        if found:
            try:
                return date(*(int(g) for g in found.groups()))
            except ValueError:
                break
    raise InvalidDocument(
        _("%(where)s: %(v)r is not a date (YYYY-MM-DD).") % {"where": where, "v": raw}, where=where
    )


_DISCOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_WITHIN = re.compile(r"(\d+)\s*(?:days|day|dagar|tage|jours)", re.IGNORECASE)


def discount_terms(note: str, issued: date) -> tuple[Decimal, date | None]:
    """'Payment within 10 days, 2% discount' → (2, issued + 10 days); otherwise no discount."""
    percent, days = _DISCOUNT.search(note or ""), _WITHIN.search(note or "")
    if not percent or not days or ("discount" not in note.lower() and "skonto" not in note.lower()):
        return ZERO, None
    return Decimal(percent.group(1).replace(",", ".")), issued + timedelta(days=int(days.group(1)))
