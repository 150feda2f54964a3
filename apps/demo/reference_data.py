"""The demo's reference data (CONTRACT §2): stable codes that acceptance checks use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def demo_reference_data(*, manager: Any, year: int) -> dict[str, list[dict[str, Any]]]:
    """CONTRACT §2: US01/DE01, CC-100/200/300, five categories, a budget per center this year."""
    centers = [
        ("CC-100", "IT", "US01"),
        ("CC-200", "Marketing", "US01"),
        ("CC-300", "Operations", "DE01"),
    ]
    return {
        "legal_entities": [
            {"code": "US01", "name": "US Operations Inc.", "country": "US", "currency": "USD"},
            {"code": "DE01", "name": "Deutschland GmbH", "country": "DE", "currency": "EUR"},
        ],
        "cost_centers": [
            {"code": code, "name": name, "legal_entity": entity, "manager": manager}
            for code, name, entity in centers
        ],
        "spend_categories": [
            {"code": "IT-HW", "name": "IT hardware"},
            {"code": "IT-SW", "name": "Software and subscriptions"},
            {"code": "MKT", "name": "Marketing services"},
            {"code": "FAC", "name": "Facilities"},
            {"code": "SRV", "name": "Professional services"},
        ],
        # a dated rate table: EUR against USD from the start of the year (demo values)
        "fx_rates": [
            {
                "base": "EUR",
                "quote": "USD",
                "valid_on": date(year, 1, 1),
                "rate": Decimal("1.0850"),
            },
        ],
        "budgets": [
            {
                "cost_center": code,
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "currency": "USD" if entity == "US01" else "EUR",
                "amount": Decimal(amount),
            }
            for (code, _name, entity), amount in zip(
                centers, ["250000.00", "120000.00", "180000.00"], strict=True
            )
        ],
    }
