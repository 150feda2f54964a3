"""The duplicate finder's rules, one at a time (apps/invoices/duplicates.find_duplicate): the
same file; the same number (as people type it) from the same supplier in the same year; or three
of four signals (supplier, a similar number, a date within a week, the same amount), across
suppliers too. Rejected invoices are no longer candidates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.invoices.duplicates import find_duplicate, number_key
from apps.invoices.models import Invoice
from apps.suppliers.models import Supplier

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 15)


def _stored(
    supplier: Any, number: str, on: date = DAY, total: str = "1000.00", **extra: Any
) -> Any:
    return Invoice.objects.create(
        supplier=supplier,
        invoice_number=number,
        number_key=number_key(number),
        invoice_date=on,
        currency="EUR",
        total=Decimal(total),
        payable=Decimal(total),
        channel=Invoice.Channel.API,
        **extra,
    )


def _find(supplier: Any, number: str, on: date = DAY, total: str = "1000.00", **extra: Any) -> Any:
    return find_duplicate(
        supplier_id=supplier.pk,
        number=number,
        invoice_date=on,
        total=Decimal(total),
        sha256=extra.pop("sha256", ""),
        **extra,
    )


@pytest.fixture
def two(aporg: Any, in_tenant: Any) -> Any:
    with in_tenant(aporg.tenant):
        other = Supplier.objects.create(name="Northwind Traders", country="DE", status="approved")
        yield aporg.supplier, other


def test_the_same_number_from_the_same_supplier_in_the_same_year(two: Any) -> None:
    mine, other = two
    first = _stored(mine, "INV-000123", total="1000.00")
    found = _find(mine, "inv #123", on=DAY + timedelta(days=90), total="55.00")
    assert (found.original_id, found.reason, found.signals) == (
        first.pk,
        "same_number",
        ("supplier", "number", "year"),
    )
    # another supplier's invoice with that number, months apart and another amount: not ours
    assert _find(other, "INV-000123", on=DAY + timedelta(days=90), total="55.00") is None
    # the same number next year is a new invoice
    assert _find(mine, "INV-000123", on=date(2027, 6, 15), total="55.00") is None


def test_the_same_file_is_a_duplicate_whatever_it_says(two: Any) -> None:
    mine, other = two
    first = _stored(mine, "A-1", file_sha256="ab" * 32)
    found = _find(other, "Z-9", on=DAY + timedelta(days=200), total="1.00", sha256="ab" * 32)
    assert (found.original_id, found.reason, found.signals) == (first.pk, "same_file", ("file",))


def test_three_of_four_signals(two: Any) -> None:
    mine, other = two
    first = _stored(mine, "A-20260451")
    # supplier + a similar number + a date within the week (amount differs)
    found = _find(mine, "A-20260415", on=DAY + timedelta(days=5), total="999.00")
    assert (found.original_id, found.reason, found.signals) == (
        first.pk,
        "similar",
        ("supplier", "number", "date"),
    )
    # another supplier: a similar number, the date and the amount
    found = _find(other, "A-20260415", on=DAY - timedelta(days=7))
    assert found.signals == ("number", "date", "amount")
    # two signals are not enough: supplier and date, number and amount differ
    assert _find(mine, "Q-777", on=DAY + timedelta(days=2), total="10.00") is None
    # a week and a day apart is no longer "near"
    assert _find(other, "A-20260415", on=DAY + timedelta(days=8)) is None


def test_rejected_invoices_and_the_invoice_itself_are_no_candidates(two: Any) -> None:
    mine, _other = two
    first = _stored(mine, "R-100", status=Invoice.Status.REJECTED)
    assert _find(mine, "R-100") is None
    kept = _stored(mine, "R-200")
    assert _find(mine, "R-200", exclude_id=kept.pk) is None
    assert _find(mine, "R-200").original_id == kept.pk != first.pk
    # a credit note is compared with credit notes only
    assert _find(mine, "R-200", kind=Invoice.Kind.CREDIT_NOTE) is None


def test_a_number_similar_by_exactly_the_threshold_is_a_signal(two: Any) -> None:
    """0.8 similarity (`QWER` and `QWERTY`: 80 %) counts, with the supplier and the date:
    three signals. One character less alike does not."""
    mine, _other = two
    first = _stored(mine, "QWERTY", total="500.00")
    found = _find(mine, "QWER", total="999.00")
    assert found is not None and found.original_id == first.pk
    assert set(found.signals) == {"supplier", "number", "date"}
    assert _find(mine, "QWE", total="999.00") is None
