"""Three-way matching's pure steps, without a database (fast enough for the mutation run):
which order line an invoice line is for, what each finding says and records, and money
rounded half up to the cent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.matching.lines import _findings, _money, _pick_order_line

ORDER = [
    {"id": 11, "line_no": 1, "description": "Laptop stand, aluminium"},
    {"id": 12, "line_no": 2, "description": "USB-C docking station"},
    {"id": 13, "line_no": 3, "description": "USB-C docking station"},
]


def _line(description: str, line_no: int = 1, reference: Any = None) -> dict[str, Any]:
    return {"description": description, "line_no": line_no, "order_line_reference": reference}


def test_the_reference_wins_over_the_description() -> None:
    assert _pick_order_line(_line("Laptop stand, aluminium", 1, "2"), ORDER, set(), 1)["id"] == 12
    assert _pick_order_line(_line("anything", 1, " 3 "), ORDER, set(), 1)["id"] == 13
    # a reference to no line falls back to the description
    assert _pick_order_line(_line("laptop stand aluminium", 1, "9"), ORDER, set(), 1)["id"] == 11


def test_the_best_description_match_first_taken_lines_skipped() -> None:
    # two order lines alike: the first free one, then the next
    assert _pick_order_line(_line("usb-c docking station"), ORDER, set(), 1)["id"] == 12
    assert _pick_order_line(_line("usb-c docking station"), ORDER, {12}, 1)["id"] == 13
    assert _pick_order_line(_line("usb-c docking station"), ORDER, {12, 13}, 1) is None


def test_no_good_description_match_falls_back_to_position_only_when_counts_agree() -> None:
    unlike = _line("Consulting services", line_no=3)
    assert _pick_order_line(unlike, ORDER, set(), 3)["id"] == 13  # as many lines as the order
    assert _pick_order_line(unlike, ORDER, set(), 2) is None
    assert _pick_order_line(unlike, ORDER, {13}, 3) is None  # that position is taken
    assert _pick_order_line(_line("Consulting", line_no=7), ORDER, set(), 3) is None


def test_a_description_scoring_exactly_80_is_a_match() -> None:
    """The threshold includes 80 (rapidfuzz's token-set ratio of "abcd" and "abcdef")."""
    from rapidfuzz import fuzz

    order = [{"id": 21, "line_no": 1, "description": "abcdef"}]
    assert fuzz.token_set_ratio("abcd", "abcdef") == 80
    assert _pick_order_line(_line("ABCD", line_no=4), order, set(), 1)["id"] == 21
    assert fuzz.token_set_ratio("abc", "abcdef") < 80
    assert _pick_order_line(_line("abc", line_no=4), order, set(), 1) is None


def test_money_rounds_half_up_to_the_cent() -> None:
    assert _money(Decimal("2.005")) == Decimal("2.01")
    assert _money(Decimal("2.004")) == Decimal("2.00")
    assert _money(Decimal("-2.005")) == Decimal("-2.01")


def _row(**values: Any) -> tuple[Any, ...]:
    base: dict[str, Any] = {
        "invoice": 1, "line_id": 5, "line_no": 2, "status": "variance", "price_status": "ok",
        "quantity_status": "ok", "quantity": Decimal("10"), "price": Decimal("47.00"),
        "ordered_price": Decimal("45.00"), "net_amount": Decimal("470.00"),
        "price_gap": Decimal("20.00"), "ordered_left": Decimal("8"), "received_left": Decimal("6"),
        "over_order": Decimal("2"), "short_receipt": Decimal("4"), "expected": Decimal("450.00"),
        "invoiced": Decimal("470.005"), "currency": "EUR",
    }  # fmt: skip
    base.update(values)
    return tuple(base.values())


def test_each_finding_says_and_records_what_a_person_needs() -> None:
    [header] = _findings(_row(line_id=None))
    assert (header.code, header.line_id, header.amount) == (
        "price_variance",
        None,
        Decimal("20.01"),
    )
    assert header.data == {"expected": "450.00", "invoiced": "470.005", "header": True}
    # the sentence's amounts are money in the invoice's currency; the recorded ones stay
    assert header.detail == "The invoice is 20.01 above the order value of its lines (450.00)."
    [yen] = _findings(_row(line_id=None, expected=Decimal("45000.00"),
                           invoiced=Decimal("47000.00"), currency="JPY"))  # fmt: skip
    assert yen.detail == "The invoice is 2,000 above the order value of its lines (45,000)."

    [stray] = _findings(_row(status="unmatched"))
    assert (stray.code, stray.line_id, stray.amount, stray.data) == (
        "quantity_variance",
        5,
        Decimal("470.00"),
        {"line_no": 2},
    )
    assert stray.detail == "Line 2 is not on the order."

    price, quantity = _findings(_row(price_status="variance", quantity_status="quantity_variance"))
    assert (price.code, price.line_id, price.amount) == ("price_variance", 5, Decimal("20.00"))
    assert price.data == {"line_no": 2, "invoiced": "47.00", "ordered": "45.00", "gap": "20.00"}
    assert price.detail == "Line 2: 47.00 invoiced, 45.00 ordered (20.00 over)."
    # a unit price keeps the decimals it really has (up to four), amounts are grouped
    [fine] = _findings(
        _row(
            price_status="variance", price=Decimal("0.1250"), ordered_price=Decimal("0.1000"),
            price_gap=Decimal("1250.00"),
        )
    )  # fmt: skip
    assert fine.detail == "Line 2: 0.125 invoiced, 0.10 ordered (1,250.00 over)."
    # in the currency's minor units: none for yen, three for dinar
    [yen] = _findings(
        _row(
            price_status="variance", price=Decimal("4700.0000"),
            ordered_price=Decimal("4500.0000"), price_gap=Decimal("2000.00"), currency="JPY",
        )
    )  # fmt: skip
    assert yen.detail == "Line 2: 4,700 invoiced, 4,500 ordered (2,000 over)."
    [dinar] = _findings(
        _row(
            price_status="variance", price=Decimal("20.0000"), ordered_price=Decimal("12.5000"),
            price_gap=Decimal("75.00"), currency="KWD",
        )
    )  # fmt: skip
    assert dinar.detail == "Line 2: 20.000 invoiced, 12.500 ordered (75.000 over)."
    assert (quantity.code, quantity.line_id, quantity.amount) == (
        "quantity_variance",
        5,
        Decimal("90.00"),
    )
    assert quantity.data == {"line_no": 2, "invoiced": "10", "open_on_order": "8", "gap": "2"}
    assert quantity.detail == "Line 2: 10 invoiced, 8 left on the order."

    [short] = _findings(_row(quantity_status="not_received", received_left=Decimal("-1")))
    assert (short.code, short.line_id, short.amount) == ("not_received", 5, Decimal("180.00"))
    assert short.data == {"line_no": 2, "invoiced": "10", "received_open": "-1"}
    assert short.detail == "Line 2: 10 invoiced, 0 received and not yet invoiced."
    assert _findings(_row()) == []


@pytest.mark.parametrize("over", [Decimal("-3")])
def test_nothing_left_on_the_order_reads_as_zero(over: Decimal) -> None:
    [quantity] = _findings(_row(quantity_status="quantity_variance", ordered_left=over))
    assert quantity.detail == "Line 2: 10 invoiced, 0 left on the order."
