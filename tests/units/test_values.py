"""An amount fits its column as PostgreSQL stores it: rounded to the column's places first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.controls.values import amount_problem, fits


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("99999999999999.99", True),
        ("99999999999999.994", True),  # rounds down to .99
        ("99999999999999.995", False),  # rounds up to 10^14: numeric(16,2) has no room
        ("-99999999999999.995", False),
        ("100000000000000", False),
        ("1e999", False),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_an_amount_fits_once_rounded_as_the_column_rounds(value: str, kept: bool) -> None:
    assert fits(Decimal(value)) is kept
    assert (amount_problem(Decimal(value)) is None) is kept
