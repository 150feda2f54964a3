"""Filters that turn codes and numbers into what people read: `{{ code|label:"kind" }}`,
`{{ amount|money:currency }}` (thousands separators, the currency's decimals),
`{{ price|unit_price:currency }}` (the currency's decimals, more only where the price has them)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

from apps.portal.labels import event_label as event_label_of
from apps.portal.labels import label as label_of

register = template.Library()

# ISO 4217 minor units where they are not 2
MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get((currency or "").upper(), 2)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def label(code: object, kind: str) -> str:
    return label_of(code, kind)


@register.filter
def event_label(event: Any) -> str:
    """`{{ event|event_label }}`: what a trail event did ("Invoice matched with exceptions")."""
    return event_label_of(event.action, event.after)


@register.filter
def money(value: Any, currency: str = "") -> str:
    amount = _decimal(value)
    if amount is None:
        return "—"
    places = minor_units(currency)
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = number_format(rounded, places, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".strip()


@register.filter
def unit_price(value: Any, currency: str = "") -> str:
    """1150.0000 → 1,150.00; 0.1250 → 0.125 (a price keeps decimals it really has)."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    places = minor_units(currency)
    exponent = amount.normalize().as_tuple().exponent
    shown = max(places, -exponent if isinstance(exponent, int) else places)
    return number_format(amount, min(shown, 4), use_l10n=True, force_grouping=True)


@register.filter
def quantity(value: Any) -> str:
    """12.000 → 12; 2.5 → 2.5."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    normal = amount.normalize()
    exponent = normal.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(normal, places, use_l10n=True, force_grouping=True)
