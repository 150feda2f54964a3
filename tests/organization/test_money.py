"""Every amount a person reads goes through one formatter: grouped thousands, the currency's
ISO 4217 minor units (JPY 0, EUR 2, KWD 3) and never more, a minus before a negative amount and
none before zero, "—" where there is no amount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from apps.organization.money import minor_units, money_text, unit_price_text
from apps.portal.templatetags.words import money, unit_price

MONEY = [
    ("205202.5", "USD", "205,202.50 USD"),
    (Decimal("1240"), "USD", "1,240.00 USD"),
    ("1234567.891", "EUR", "1,234,567.89 EUR"),
    ("0.005", "EUR", "0.01 EUR"),  # half up
    ("1234567", "JPY", "1,234,567 JPY"),
    ("1234.5", "JPY", "1,235 JPY"),
    ("12.3456", "KWD", "12.346 KWD"),
    ("1000", "KWD", "1,000.000 KWD"),
    ("-1234.5", "USD", "-1,234.50 USD"),
    ("-98765", "JPY", "-98,765 JPY"),
    ("0", "USD", "0.00 USD"),
    ("0", "JPY", "0 JPY"),
    ("-0.001", "USD", "0.00 USD"),  # rounds to zero: no sign
    (0, "KWD", "0.000 KWD"),
    ("62.0000", "usd", "62.00 USD"),
    (None, "USD", "—"),
    ("", "USD", "—"),
    ("not a number", "USD", "—"),
    ("1000", "", "1,000.00"),
    ("1e30", "USD", "1E+30 USD"),  # beyond 28 digits: shown as it came, never a server error
]


@pytest.mark.parametrize(("value", "currency", "shown"), MONEY)
def test_money_reads_as_people_write_it(value: Any, currency: str, shown: str) -> None:
    with translation.override("en"):
        assert money_text(value, currency) == shown
        assert money(value, currency) == shown  # the template filter is the same formatter


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("62.0000", "USD", "62.00"),
        ("1150.0000", "EUR", "1,150.00"),
        ("0.1250", "EUR", "0.125"),
        ("0.123456", "EUR", "0.1235"),
        ("1500.0000", "JPY", "1,500"),
        ("1500.5000", "JPY", "1,500.5"),
        ("2.5", "KWD", "2.500"),
        ("-3.1", "USD", "-3.10"),
        (None, "USD", "—"),
    ],
)
def test_unit_prices_keep_the_decimals_they_have(value: Any, currency: str, shown: str) -> None:
    with translation.override("en"):
        assert unit_price_text(value, currency) == shown == unit_price(value, currency)


def test_minor_units_follow_iso_4217() -> None:
    assert [minor_units(c) for c in ("USD", "EUR", "JPY", "KWD", "CLF", "jpy", "")] == [
        2, 2, 0, 3, 4, 0, 2,
    ]  # fmt: skip
