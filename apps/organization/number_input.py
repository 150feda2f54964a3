"""Numbers as people type them, in one place: every portal form that takes an amount, a
quantity, a price or a rate reads it here, in the reader's language.

A German reader types "1.234,56" or "12,5", a French one "1 234,56", an English one
"1,234.56"; each may also type the plain "12.5" the API speaks. `parse_decimal` turns any of
them into a Decimal and refuses anything else with `NumberNotRead`, whose message says, in the
reader's language, what a number looks like. The API never comes here: it takes and answers
decimal strings ("1234.56") whatever the language (CONTRACT §1)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import numberformat
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _

from apps.controls.refusals import ValidationFailed

# spaces people put between groups of thousands (plain, no-break, narrow no-break, thin)
_SPACES = (" ", "\xa0", "\u202f", "\u2009")
_DIGITS = re.compile(r"\d+")


class NumberNotRead(ValueError):
    """The text is not a number in the reader's language (nor in the API's plain form)."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(number_hint())


def number_hint() -> str:
    """'Enter a number, such as 1.234,56.' in the reader's language and number format."""
    return _("Enter a number, such as %(example)s.") % {
        "example": number_format(Decimal("1234.56"), 2, use_l10n=True, force_grouping=True)
    }


def _grouped(whole: str, separators: tuple[str, ...]) -> str | None:
    """Digits with optional thousands separators ("1.234.567", "1 234") → "1234567"; None
    when a separator does not stand between groups of three."""
    if not any(sep in whole for sep in separators):
        return whole if _DIGITS.fullmatch(whole) else None
    groups = re.split("|".join(re.escape(sep) for sep in separators), whole)
    first, rest = groups[0], groups[1:]
    if not (_DIGITS.fullmatch(first) and len(first) <= 3):
        return None
    if not all(len(g) == 3 and _DIGITS.fullmatch(g) for g in rest):
        return None
    return "".join(groups)


def parse_decimal(value: Any) -> Decimal:
    """The number typed in `value`, read in the active language; `NumberNotRead` otherwise.

    The language's decimal separator always marks the decimals. Its thousands separator (and
    any space) may group the whole part in threes. A point is also taken as the decimal point
    where the language groups with something else (French "12.5"), and in German where it
    cannot be a thousands separator ("12.5", not "1.234")."""
    if isinstance(value, Decimal):
        return value
    text = str(value if value is not None else "").strip()
    sign = ""
    if text[:1] in ("-", "\u2212"):
        sign, text = "-", text[1:].strip()
    decimal_sep = str(get_format("DECIMAL_SEPARATOR"))
    thousand_sep = str(get_format("THOUSAND_SEPARATOR"))
    group_seps = tuple(dict.fromkeys((thousand_sep, *_SPACES)))
    if decimal_sep in text:
        whole, _sep, decimals = text.partition(decimal_sep)
        if decimal_sep == ",":  # before a decimal comma a point only groups ("1.234,56")
            group_seps = (*group_seps, ".")
    elif "." in text and not (thousand_sep == "." and _grouped(text, group_seps) is not None):
        whole, _sep, decimals = text.partition(".")  # the API's plain "12.5"
        group_seps = tuple(sep for sep in group_seps if sep != ".")
    else:
        whole, decimals = text, ""
    digits = _grouped(whole, group_seps) if whole else ("0" if decimals else None)
    if digits is None or (decimals and not _DIGITS.fullmatch(decimals)):
        raise NumberNotRead(str(value))
    try:
        number = Decimal(f"{sign}{digits}.{decimals}" if decimals else f"{sign}{digits}")
    except InvalidOperation:
        raise NumberNotRead(str(value)) from None
    return number


def plain_decimal(value: Any) -> Decimal:
    """What an `<input type="number">` sends: the browser shows the reader's format but always
    sends the plain "0.125", which a German reading would take for 125."""
    try:
        number = Decimal(str(value if value is not None else "").strip())
    except InvalidOperation:
        raise NumberNotRead(str(value)) from None
    if not number.is_finite():
        raise NumberNotRead(str(value))
    return number


def decimal_text(value: Any, *, plain: bool = False) -> str:
    """A typed number as the plain decimal string the services and the API read ("1234.56");
    an empty entry stays empty. `NumberNotRead` when it is not a number."""
    if value is None or str(value).strip() == "":
        return ""
    return str(plain_decimal(value) if plain else parse_decimal(value))


def decimal_texts(entries: dict[str, Any], *, plain: bool = False) -> dict[str, str]:
    """Several typed numbers by field name → their plain decimal strings; every entry that is
    not a number is refused at once (`ValidationFailed`, one message per field). `plain` for
    the fields of `<input type="number">` (the browser sends them plain)."""
    read: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field, entry in entries.items():
        try:
            read[field] = decimal_text(entry, plain=plain)
        except NumberNotRead as exc:
            errors[field] = [str(exc)]
    if errors:
        raise ValidationFailed(errors=errors)
    return read


def input_text(value: Any) -> str:
    """A stored number for a text field to show and read back, in the reader's language and
    without grouping: Decimal("1234.50") → "1234,50" in German, "1234.50" in English."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return str(value)
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    # never grouped, whatever USE_THOUSAND_SEPARATOR says: "1.000" in a field reads as one
    return numberformat.format(
        value, str(get_format("DECIMAL_SEPARATOR")), places, grouping=0, use_l10n=True
    )


class DecimalTextInput(forms.TextInput):
    """A text field showing a number the way `input_text` writes it (the reader's decimal
    separator, no grouping), so what it shows is what `parse_decimal` reads back."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            return input_text(Decimal(str(value)))
        return super().format_value(value)


class DecimalInput(forms.DecimalField):
    """A form's amount, quantity or rate typed as text in the reader's language (a decimal
    keyboard on phones); shown back the same way. Limits (min_value, decimal_places, …) as
    Django's DecimalField."""

    widget = DecimalTextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal"}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_decimal(value)
        except NumberNotRead as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
