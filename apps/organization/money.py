"""Money as people read it, in one place: pages (the `money` template filter), flashes, refusal
messages, notices and PDFs all format an amount here.

`money_text(Decimal("-1234.5"), "USD")` → "-1,234.50 USD": thousands grouped, as many decimals
as the currency's ISO 4217 minor unit (JPY 0, EUR 2, KWD 3) and never more, rounded half up,
a minus sign before a negative amount and none before a zero; no amount reads "—"."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format

NO_AMOUNT = "—"

# ISO 4217 minor units where they are not 2 (list one, 2026)
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
            "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip


def minor_units(currency: str) -> int:
    """Decimals of the currency's minor unit: 2 unless ISO 4217 says otherwise."""
    return MINOR_UNITS.get((currency or "").upper(), 2)


def as_decimal(value: Any) -> Decimal | None:
    """An amount from a model, a form, JSON or a string; None where there is none."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _grouped(amount: Decimal, places: int) -> str:
    if amount == 0:
        amount = abs(amount)  # a rounded -0.001 is 0.00, not -0.00
    return number_format(amount, places, use_l10n=True, force_grouping=True)


def amount_text(value: Any, currency: str = "") -> str:
    """The amount alone, in the currency's minor units: "1,240.00"."""
    amount = as_decimal(value)
    if amount is None:
        return NO_AMOUNT
    places = minor_units(currency)
    try:
        rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more than 28 digits: no real amount, shown as it came
        return str(amount)
    return _grouped(rounded, places)


def money_text(value: Any, currency: str = "") -> str:
    """The amount and its currency: "1,240.00 USD", "1,234,567 JPY", "12.346 KWD"."""
    text = amount_text(value, currency)
    if text == NO_AMOUNT:
        return text
    return f"{text} {(currency or '').upper()}".strip()


def unit_price_value(value: Any, currency: str = "") -> Decimal | None:
    """A unit price with the decimals it really has beyond the minor unit, up to four:
    62.0000 → 62.00, 0.1250 → 0.125 (plain, for a form field to read back)."""
    amount = as_decimal(value)
    if amount is None:
        return None
    places = minor_units(currency)
    exponent = amount.normalize().as_tuple().exponent
    shown = max(places, -exponent if isinstance(exponent, int) else places)
    shown = min(shown, max(places, 4))
    return amount.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)


def unit_price_text(value: Any, currency: str = "") -> str:
    """A unit price as people read it: "62.00", "0.125", "1,150.00"."""
    price = unit_price_value(value, currency)
    if price is None:
        return NO_AMOUNT
    exponent = price.as_tuple().exponent
    return _grouped(price, -exponent if isinstance(exponent, int) else 0)


def quantity_text(value: Any) -> str:
    """A quantity as people read it, with the decimals it really has: 12.000 → "12",
    2.500 → "2.5" ("2,5" in German), 1000 → "1,000"."""
    amount = as_decimal(value)
    if amount is None:
        return NO_AMOUNT
    normal = amount.normalize()
    exponent = normal.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return _grouped(normal.quantize(Decimal(1).scaleb(-places)), places)
