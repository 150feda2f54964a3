"""The statistical amount anomaly and the timing signal among the arrival checks: exact
findings on fixed histories, no signal with too little history, currencies apart, one query
whatever the history's size; an old policy with `amount_anomaly_factor` still validates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from apps.invoices.models import Invoice
from apps.invoices.rules import policy_section
from apps.invoices.services.checks import Arrival, amount_anomaly, invoice_early
from apps.invoices.services.receive import invoice_create
from apps.policies.invoice_section import validate_invoice_section
from tests.conftest import count_queries

from .conftest import validated

DAY = date(2026, 3, 2)


def history(supplier: Any, totals: list[str], *, currency: str = "EUR", every: int = 0) -> None:
    """Approved invoices of the supplier (arranged directly), dated `every` days apart."""
    Invoice.objects.bulk_create(
        Invoice(
            supplier=supplier,
            invoice_number=f"H-{currency}-{n}",
            number_key=f"h{currency.lower()}{n}",
            invoice_date=DAY - timedelta(days=every * (len(totals) - 1 - n)),
            currency=currency,
            total=Decimal(total),
            payable=Decimal(total),
            channel=Invoice.Channel.API,
            status=Invoice.Status.APPROVED,
        )
        for n, total in enumerate(totals)
    )


def no_po(aporg: Any, number: str, total: str, *, on: date = DAY, currency: str = "EUR") -> Invoice:
    body = {
        "supplier": str(aporg.supplier.pk),
        "invoice_number": number,
        "invoice_date": on.isoformat(),
        "currency": currency,
        "lines": [
            {"description": "Service", "quantity": "1", "unit_price": total, "tax_rate": "0"}
        ],
        "total": total,
    }
    return invoice_create(actor=aporg.clerk, data=validated(body))


def codes(invoice: Invoice) -> set[str]:
    return set(invoice.exceptions.values_list("code", flat=True))


def test_a_total_three_standard_deviations_above_ten_approved_invoices_is_found(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        history(aporg.supplier, ["90.00", "110.00"] * 5)  # mean 100, standard deviation 10
        assert "amount_anomaly" not in codes(no_po(aporg, "USUAL-1", "115.00"))
        finding = no_po(aporg, "BIG-1", "130.00").exceptions.get(code="amount_anomaly")
        assert finding.detail == (
            "130.00 EUR is 3.0 standard deviations above this supplier's mean of 100.00 "
            "(standard deviation 10.00, last 10 approved invoices in EUR)."
        )
        assert finding.data == {
            "total": "130.00",
            "mean": "100.00",
            "sigma": "10.00",
            "deviation": 3.0,
            "history": 10,
            "currency": "EUR",
        }
        below = no_po(aporg, "SMALL-1", "70.00").exceptions.get(code="amount_anomaly")
        assert below.detail.startswith("70.00 EUR is 3.0 standard deviations below")


def test_nine_approved_invoices_give_no_signal_and_currencies_are_not_mixed(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        history(aporg.supplier, ["90.00", "110.00"] * 5, currency="USD")
        history(aporg.supplier, ["90.00", "110.00", "90.00", "110.00"] * 2 + ["100.00"])
        assert "amount_anomaly" not in codes(no_po(aporg, "BIG-1", "130.00"))  # 9 in EUR
        usd = no_po(aporg, "BIG-2", "130.00", currency="USD")
        assert usd.exceptions.get(code="amount_anomaly").data["history"] == 10


def _arrival(invoice: Invoice) -> Arrival:
    _version, document = policy_section()
    return Arrival(invoice, None, document, [], True, [])  # type: ignore[arg-type]


def test_the_amount_check_makes_one_query_whatever_the_history(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        history(aporg.supplier, ["90.00", "110.00"] * 5)
        invoice = no_po(aporg, "Q-1", "100.00")
        arrival = _arrival(invoice)
        few = count_queries(lambda: amount_anomaly(arrival))
        history(aporg.supplier, ["95.00", "105.00"] * 15, currency="EUR", every=1)
        assert count_queries(lambda: amount_anomaly(arrival)) == few == 1
        assert count_queries(lambda: invoice_early(arrival)) == 1


def test_an_invoice_far_sooner_than_the_suppliers_interval_is_a_review_signal(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        history(aporg.supplier, ["100.00"] * 6, every=30)  # five intervals of 30 days
        on_time = no_po(aporg, "T-1", "100.00", on=DAY + timedelta(days=8))
        assert "invoice_early" not in codes(on_time)
        Invoice.objects.filter(pk=on_time.pk).update(status=Invoice.Status.REJECTED)
        early = no_po(aporg, "T-2", "100.00", on=DAY + timedelta(days=5))
        finding = early.exceptions.get(code="invoice_early")
        assert finding.detail == (
            "Dated 5 days after this supplier's previous invoice; it usually invoices every "
            "30 days (median of its last 5 intervals)."
        )
        assert (finding.category, finding.queue) == ("fraud_risk", "ap")


def test_too_few_intervals_give_no_timing_signal(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        history(aporg.supplier, ["100.00"] * 5, every=30)  # four intervals
        assert "invoice_early" not in codes(no_po(aporg, "T-1", "100.00", on=DAY))


def test_an_old_policy_with_the_factor_still_validates() -> None:
    errors: dict[str, list[str]] = {}
    section = validate_invoice_section({"amount_anomaly_factor": 3, "approval_above": 5000}, errors)
    assert errors == {} and "amount_anomaly_factor" not in section
    assert (section["amount_anomaly_sigma"], section["amount_anomaly_history"]) == (2, 10)
    validate_invoice_section({"amount_anomaly_history": 40}, errors)
    assert list(errors) == ["invoices.amount_anomaly_history"]
