"""Bank business days per currency, for payment execution dates (ISO 20022 `ReqdExctnDt`).

EUR follows the TARGET2 calendar (the ECB's closing days); USD follows the Federal Reserve's:
the US federal holidays, moved to Monday when they fall on a Sunday, while a holiday on a
Saturday leaves the Friday open. Both come from the `holidays` library; other currencies
skip weekends only (docs/invoices.md).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays


@functools.lru_cache(maxsize=64)
def _closed(currency: str, year: int) -> frozenset[date]:
    if currency == "EUR":
        return frozenset(holidays.financial_holidays("ECB", years=year))
    if currency == "USD":
        federal = holidays.country_holidays("US", years=year, observed=True)
        return frozenset(
            day
            for day, name in federal.items()
            # the Fed opens on the Friday before a Saturday holiday
            if not (day.weekday() == 4 and "observed" in name.lower())
        )
    return frozenset()


def is_bank_day(currency: str, day: date) -> bool:
    return day.weekday() < 5 and day not in _closed(currency.upper(), day.year)


def next_bank_day(currency: str, day: date) -> date:
    """`day` itself when banks of the currency are open, else the next day they are."""
    while not is_bank_day(currency, day):
        day += timedelta(days=1)
    return day
