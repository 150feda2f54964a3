"""What a value from outside may be before any context keeps it: the same answer whether it
came through the API, a page, a file or an ERP (docs/api.md, "Values").

- currency: an active ISO 4217 code of money, in upper case (`usd`, `ZZZ`, `XXX`, `XTS` and
  the precious metals are not);
- identifier (invoice, order and ERP document numbers, supplier names and tax ids): no control
  characters and no invisible ones (bidi overrides and isolates, zero-width characters), which
  make two different numbers look the same;
- money and quantities: finite and within the column that keeps them (`1e999`, or a line of
  99999999.999 x 99999999999.9999, is refused, not a database error);
- invoice, due and payment dates: from 1 January 2000 to 366 days after today (a contract may
  run longer, so its dates are not held to this window).
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pycountry
from django.utils import timezone
from django.utils.translation import gettext as _

# codes ISO 4217 lists that are not money one pays an invoice in
_NOT_MONEY = {
    "XXX", "XTS",  # no currency; testing
    "XAU", "XAG", "XPD", "XPT",  # precious metals
    "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XBT",  # units of account
}  # fmt: skip

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DAYS_AHEAD = 366

# Money columns are numeric(16, 2), unit prices numeric(16, 4), quantities numeric(12, 3).
MONEY_DIGITS, MONEY_PLACES = 16, 2
PRICE_DIGITS, PRICE_PLACES = 16, 4
QUANTITY_DIGITS, QUANTITY_PLACES = 12, 3


# every code currency_problem takes, for the OpenAPI schema's enum
CURRENCIES = tuple(sorted(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in _NOT_MONEY))


def currency_problem(value: object) -> str | None:
    """Why this is not a currency we take, or None."""
    code = value if isinstance(value, str) else ""
    if len(code) != 3 or not code.isascii() or not code.isupper() or not code.isalpha():
        return _("Use an ISO 4217 code in upper case, such as EUR.")
    if code in _NOT_MONEY or pycountry.currencies.get(alpha_3=code) is None:
        return _("%s is not an active ISO 4217 currency.") % code
    return None


def is_currency(value: object) -> bool:
    return currency_problem(value) is None


# Cf (format: bidi marks, overrides and isolates, zero-width spaces and joiners, the BOM,
# soft hyphen) and Cc (control) characters; also the invisible fillers of other categories
_INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f"}


def identifier_problem(value: str, *, max_length: int | None = None) -> str | None:
    """Why this text may not name a document or a party, or None. Longer than its column
    is refused, never cut: two numbers that differ past the cut would become one."""
    if max_length is not None and len(value) > max_length:
        return _("At most %(most)s characters; this one has %(length)s.") % {
            "most": max_length,
            "length": len(value),
        }
    for char in value:
        if unicodedata.category(char) in ("Cf", "Cc", "Cs", "Co", "Cn") or char in _INVISIBLE:
            return _(
                "It holds an invisible or control character (U+%04X), which makes two "
                "different values look the same."
            ) % ord(char)
    return None


def date_problem(value: date, *, today: date | None = None) -> str | None:
    """Why a business date (invoice, due, payment, contract) is not plausible, or None."""
    today = today or timezone.localdate()
    latest = today + timedelta(days=LATEST_DAYS_AHEAD)
    if value < EARLIEST_DATE or value > latest:
        return _("Give a date from %(earliest)s to %(latest)s.") % {
            "earliest": EARLIEST_DATE.isoformat(),
            "latest": latest.isoformat(),
        }
    return None


def fits(value: Decimal, *, digits: int = MONEY_DIGITS, places: int = MONEY_PLACES) -> bool:
    """A finite number that fits a numeric(digits, places) column once rounded to its places
    as the column rounds it (99999999999999.995 rounds up to 10^14 and does not)."""
    try:
        if not value.is_finite():
            return False
        stored = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return abs(stored) < Decimal(10) ** (digits - places)
    except InvalidOperation:  # a number too long to round at all
        return False


def amount_problem(
    value: Decimal, *, digits: int = MONEY_DIGITS, places: int = MONEY_PLACES
) -> str | None:
    if fits(value, digits=digits, places=places):
        return None
    return _("Give a number below %s.") % f"{Decimal(10) ** (digits - places):,}"


def folded(text: str) -> str:
    """Lower case without accents ("Bürostühle" → "burostuhle"): how the assistants compare
    words across English, German, French and Spanish."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
