"""Values as invoices print them: amounts in 1,234.56, 1.234,56 and 1 234,56; dates in
05.12.2026, 05/12/2026, 2026-12-05 and written out in four languages; document numbers; tax
ids. Each reader takes the text after a label and answers the first value it holds, or None.
OCR drops spaces ("RechnungNr.RE-2026-4711"), so nothing here relies on them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from apps.controls.values import folded

from .vocabulary import CURRENCY_CODES, CURRENCY_SYMBOLS, MONTHS

CENT = Decimal("0.01")
SPACES = "\u00a0\u202f\u2009 '"


def plain(text: str) -> str:
    """Lower case without accents, ß as ss."""
    return folded(text).replace("ß", "ss")


def compact(text: str) -> tuple[str, list[int]]:
    """(the text's letters and digits, lower case and unaccented; for each of them its index in
    `text`), so a label found in the compact form maps back to where it stands."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        for c in plain(char):
            if c.isalnum():
                out.append(c)
                where.append(i)
    return "".join(out), where


# an amount: digits grouped by one separator (, . space ') with an optional decimal part
_AMOUNT = re.compile(
    r"(?<![\d.,])(-?)(\d{1,3}(?:[.,\u00a0\u202f\u2009 ']\d{3})+|\d+)(?:([.,])(\d{1,2}))?(?![\d%])"
    r"(?!\s?%)(?![.,]\d)"
)


def amounts(text: str) -> list[Decimal]:
    """Every amount in the text, in order; a percentage is not one."""
    found = []
    for match in _AMOUNT.finditer(text):
        sign, whole, sep, cents = match.groups()
        digits = re.sub(r"[.,\u00a0\u202f\u2009 ']", "", whole)
        if sep is None and re.search(r"[.,]\d{3}$", whole) is None and len(digits) > 9:
            continue  # an id, not an amount
        try:
            value = Decimal(digits + ("." + cents if cents else ""))
        except InvalidOperation:
            continue
        found.append(-value if sign else value)
    return found


def amount_of(text: str) -> Decimal | None:
    """The first amount with cents, else the first amount."""
    with_cents = [m for m in _AMOUNT.finditer(text) if m.group(4)]
    if with_cents:
        return amounts(with_cents[0].group(0))[0] if amounts(with_cents[0].group(0)) else None
    found = amounts(text)
    return found[0] if found else None


def number_of(text: str) -> Decimal | None:
    """A quantity: 12, 1.5, 1,5, 2.000 (grouped), 1 234."""
    found = amounts(text)
    return found[0] if found else None


_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,4})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{2,4})(?!\d)")
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WORD_DATE = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s?\.?\s?(?:de\s?)?({_MONTH_NAMES})\.?\s?(?:de\s?)?(\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_WORD_DATE_EN = re.compile(
    rf"(?<![a-z])({_MONTH_NAMES})\.?\s?(\d{{1,2}})(?:st|nd|rd|th)?,?\s?(\d{{4}})", re.IGNORECASE
)


def _valid(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day) if 1990 <= year <= 2100 else None
    except ValueError:
        return None


def date_of(text: str) -> date | None:
    """The first date in the text: day first (European) unless the year leads."""
    best: tuple[int, date] | None = None
    for match in _NUMERIC_DATE.finditer(text):
        a, _sep, b, c = match.groups()
        if len(a) == 4:
            found = _valid(int(a), int(b), int(c))
        else:
            found = _valid(int(c), int(b), int(a)) or _valid(int(c), int(a), int(b))
        if found:
            best = (match.start(), found)
            break
    for match in _WORD_DATE.finditer(text):
        month = MONTHS.get(match.group(2).lower()) or MONTHS.get(plain(match.group(2)))
        found = _valid(int(match.group(3)), month, int(match.group(1))) if month else None
        if found and (best is None or match.start() < best[0]):
            best = (match.start(), found)
            break
    for match in _WORD_DATE_EN.finditer(text):
        month = MONTHS.get(match.group(1).lower())
        found = _valid(int(match.group(3)), month, int(match.group(2))) if month else None
        if found and (best is None or match.start() < best[0]):
            best = (match.start(), found)
            break
    return best[1] if best else None


_DOC_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]*[A-Za-z0-9]|[0-9]")


def document_number_of(text: str) -> str | None:
    """The first token that can be a document number: letters, digits and - / _ . with at
    least one digit, and not a date or an amount with cents."""
    head = text.strip().lstrip(":#.-\u2013°º\u00ba \t")  # noqa: B005
    for i, match in enumerate(_DOC_NUMBER.finditer(head)):
        token = match.group(0)
        if i > 2:
            return None
        if not any(c.isdigit() for c in token):
            if i == 0 and plain(token) in ("no", "nr", "n", "num", "nummer", "number"):
                continue
            if token.isalpha() and len(token) > 3:
                return None
            continue
        if _NUMERIC_DATE.fullmatch(token) or re.fullmatch(r"\d{1,3}([.,]\d{3})*[.,]\d{2}", token):
            return None
        if sum(c.isupper() for c in token) >= 2 and any(c.islower() for c in token):
            return token.upper()  # OCR's "INv8898988": numbers are printed in capitals
        return token
    return None


def currency_of(text: str) -> str | None:
    upper = text.upper()
    for match in re.finditer(r"(?<![A-Z])([A-Z]{3})(?![A-Z])", upper):
        if match.group(1) in CURRENCY_CODES:
            return match.group(1)
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in text:
            return code
    return None


_VAT = re.compile(
    r"(?<![A-Z0-9])(ATU|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|"
    r"SE|SI|SK|CHE)[\s.-]?([0-9][0-9A-Z]{7,11}|[A-Z][0-9]{7}[0-9A-Z])(?![A-Z0-9])"
)


def tax_ids_of(text: str) -> list[tuple[str, bool]]:
    """The EU VAT ids (and Swiss UIDs) in the text, each with whether its check digits pass
    (python-stdnum)."""
    from stdnum.eu import vat

    found: list[tuple[str, bool]] = []
    for match in _VAT.finditer(text.upper()):
        candidate = re.sub(r"[\s.-]", "", match.group(0))
        if not any(c.isdigit() for c in candidate[2:]):
            continue
        valid = candidate.startswith("CHE") or bool(vat.is_valid(candidate))
        if candidate not in [f[0] for f in found]:
            found.append((candidate, valid))
    return found


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))
