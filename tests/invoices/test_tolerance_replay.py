"""The tolerance replay's Python `within` agrees with the matching statement's SQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.invoices.tolerances import within

from .test_matching import T

CASES = [
    ("0", "100", T, True),
    ("-30", "100", T, True),
    ("2", "100", T, True),
    ("2.01", "100", T, False),
    ("50", "10000", T, True),
    ("50.01", "10000", T, False),
    ("60", "10000", {**T, "combine": "or"}, True),
    ("300", "10000", {**T, "combine": "or"}, False),
    ("40", "100", {**T, "combine": "or"}, True),
    ("5", "100", {"percent": None, "absolute": 5, "combine": "and"}, True),
    ("5.01", "100", {"percent": None, "absolute": 5, "combine": "and"}, False),
    ("10", "100", {"percent": 10, "absolute": None, "combine": "and"}, True),
    ("0.01", "100", {"percent": None, "absolute": None, "combine": "and"}, False),
    ("1", "0", {"percent": 5, "absolute": None, "combine": "and"}, False),
]


@pytest.mark.parametrize(("variance", "base", "tolerance", "ok"), CASES)
def test_within_reads_the_tolerance_table_as_the_sql_does(
    variance: str, base: str, tolerance: dict[str, Any], ok: bool
) -> None:
    assert within(Decimal(variance), Decimal(base), tolerance) is ok


@pytest.mark.django_db
@pytest.mark.parametrize(("variance", "base", "tolerance", "ok"), CASES)
def test_the_sql_agrees(variance: str, base: str, tolerance: dict[str, Any], ok: bool) -> None:
    from django.db import connection

    from apps.matching.lines import within_sql

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + within_sql("v", "b", "t") + " FROM (SELECT %s::numeric AS v, "
            "%s::numeric AS b, %s::numeric AS t_abs, %s::numeric AS t_pct, %s AS t_or) AS x",
            [
                Decimal(variance),
                Decimal(base),
                tolerance["absolute"],
                tolerance["percent"],
                tolerance["combine"] == "or",
            ],
        )
        assert cursor.fetchone()[0] is within(Decimal(variance), Decimal(base), tolerance)
