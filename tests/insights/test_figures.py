"""Each KPI against the hand-built month of tests/insights/conftest.py, whose answers are
worked out by hand there: an empty period, figures that cannot be computed, the tenant's
time zone, the legal-entity filter, and what each reader may see."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.controls.periods import period_of
from apps.insights.figures import insights_figures

from .conftest import Books


def figures(books: Books, user: Any, zone: str = "UTC", entity: str | None = None) -> Any:
    period = period_of(books.first, books.last, ZoneInfo(zone))
    return insights_figures(user, period, entity)


def test_invoice_figures(books: Books, in_tenant: Any) -> None:
    with in_tenant(books.org.tenant):
        invoices = figures(books, books.org.finance)["invoices"]
    # A, B, C, D, G arrived in the period (F the evening before in UTC, H a credit note)
    assert invoices["received"] == 5
    assert invoices["decided"] == 4  # D is still unmatched
    assert invoices["touchless"] == 2 and invoices["touchless_rate"] == 0.5
    assert invoices["exception_rate"] == 0.5  # B and C
    assert invoices["first_pass_match_rate"] == round(2 / 3, 4)  # A, G of A, B, G on orders
    assert invoices["by_channel"]["email"] == {
        "received": 1,
        "exceptions": 1,
        "exception_rate": 1.0,
    }
    assert invoices["cycle_days_p50"] == 1.0  # 2 h, 24 h, 48 h
    assert invoices["receipt_to_approval_hours_p50"] is None  # no goods receipts


def test_the_tenants_time_zone_moves_the_day(books: Books, in_tenant: Any) -> None:
    """F arrived at 23:30 UTC the day before day 0: 00:30 on day 0 in Berlin."""
    with in_tenant(books.org.tenant):
        invoices = figures(books, books.org.finance, zone="Europe/Berlin")["invoices"]
    assert invoices["received"] == 6 and invoices["touchless"] == 3
    assert invoices["touchless_rate"] == 0.6


def test_legal_entity_keeps_its_orders_only(books: Books, in_tenant: Any) -> None:
    with in_tenant(books.org.tenant):
        invoices = figures(books, books.org.finance, entity="DE01")["invoices"]
    assert invoices["received"] == 3  # A, B, D: C is on no order, G on US01
    assert invoices["touchless_rate"] == 0.5


def test_exception_figures(books: Books, in_tenant: Any) -> None:
    with in_tenant(books.org.tenant):
        exceptions = figures(books, books.org.admin)["exceptions"]
    assert exceptions["raised"] == 2 and exceptions["resolved"] == 1
    assert exceptions["by_code"] == {"no_po": 1, "price_variance": 1}
    assert exceptions["by_category"] == {"commercial_mismatch": 1, "policy_violation": 1}
    assert exceptions["hours_to_resolve_p50"] == 10.0
    assert exceptions["open"] == 1 and exceptions["overdue"] == 1
    assert exceptions["aging"] == {"0-7": 0, "8-30": 1, "31-60": 0, "61+": 0}  # 17 days old
    assert [s["name"] for s in exceptions["by_supplier"]] == ["Fabrikam Metals", "Tailspin Parts"]


def test_approval_and_control_figures(books: Books, in_tenant: Any) -> None:
    with in_tenant(books.org.tenant):
        approvals = figures(books, books.org.admin)["approvals"]
    assert approvals["decided"] == 2  # the third was decided after the period
    assert approvals["hours_p50"] == 7.0
    assert approvals["by_role"]["manager"]["hours_p50"] == 4.0
    assert approvals["by_role"]["ap_manager"]["hours_p50"] == 10.0
    assert approvals["by_cost_center"]["CC-100"]["decided"] == 2
    assert approvals["overrides"] == 1
    assert approvals["overrides_by"] == [
        {"by": books.org.finance.email, "what": "override", "count": 1}
    ]
    assert approvals["sod_refusals"] == 1


def test_requisition_and_supplier_figures(books: Books, in_tenant: Any) -> None:
    with in_tenant(books.org.tenant):
        answer = figures(books, books.org.admin)
    assert answer["requisitions"]["submitted"] == 2
    assert answer["requisitions"]["auto_approved"] == 1
    assert answer["requisitions"]["auto_approval_share"] == 0.5
    assert answer["requisitions"]["to_po_hours_p50"] == 15.0  # 6 h and 24 h
    assert answer["requisitions"]["spend_off_contract"] == {"EUR": "200.00"}
    assert answer["suppliers"]["blocked"] == 1


def test_an_empty_period_says_why_instead_of_zero(books: Books, in_tenant: Any) -> None:
    with in_tenant(books.org.tenant):
        answer = insights_figures(
            books.org.admin, period_of(date(2024, 1, 1), date(2024, 1, 31), ZoneInfo("UTC"))
        )
    assert answer["invoices"]["received"] == 0
    assert answer["invoices"]["touchless_rate"] is None
    assert "invoices.touchless_rate" in answer["why_null"]
    assert answer["approvals"]["hours_p50"] is None
    assert answer["invoices"]["cost_per_invoice"] is None
    assert "processing costs" in answer["why_null"]["invoices.cost_per_invoice"]
    assert answer["advice"]["acceptance_rate"] is None


def test_advice_acceptance_counts_what_people_did_with_the_advice(
    books: Books, in_tenant: Any
) -> None:
    from apps.assistants.services import advice_outcome, advice_record

    with in_tenant(books.org.tenant):
        shown = [
            advice_record(
                assistant=assistant,
                model_version="test",
                inputs={"n": n},
                output={"code": "IT-HW"},
                confidence=0.8,
                shown_to=books.org.requester,
                subject_type="draft",
            )
            for n, assistant in enumerate(
                ["spend_coding", "spend_coding", "spend_coding", "exception_advice"]
            )
        ]
        advice_outcome(shown[0], actor=books.org.requester, followed=True)
        advice_outcome(shown[1], actor=books.org.requester, followed=True)
        advice_outcome(shown[2], actor=books.org.requester, followed=False)
        # recorded once: a second outcome changes nothing
        advice_outcome(shown[2], actor=books.org.requester, followed=True)
        today = timezone.localdate()
        answer = insights_figures(books.org.admin, period_of(today, today, ZoneInfo("UTC")))[
            "advice"
        ]
    assert (answer["shown"], answer["accepted"], answer["acceptance_rate"]) == (4, 2, 0.6667)
    assert answer["by_assistant"]["spend_coding"] == {
        "shown": 3,
        "followed": 2,
        "overridden": 1,
        "acceptance_rate": 0.6667,
    }
    assert answer["by_assistant"]["exception_advice"]["acceptance_rate"] is None
    # the page's tile says the same
    from tests.insights.test_page import signed_in

    page = signed_in(books.org.admin, books.org.tenant).get(
        "/insights/", {"from": today.isoformat(), "to": today.isoformat()}
    )
    assert page.status_code == 200 and "AI advice accepted" in page.text
    assert "67%" in page.text and "2 followed of 3 decided; 4 shown" in page.text


def test_a_reader_sees_the_sections_of_their_work(
    books: Books, in_tenant: Any, make_user: Any
) -> None:
    clerk = make_user(books.org.tenant, "clerk", ["ap_clerk"])
    with in_tenant(books.org.tenant):
        answer = figures(books, clerk)
        approver = figures(books, books.org.approver)
    assert answer["invoices"]["received"] == 5
    assert answer["approvals"] is None and "approvals" in answer["withheld"]
    # AP works every queue but compliance's
    assert answer["exceptions"]["raised"] == 2
    assert approver["invoices"] is None and approver["approvals"]["decided"] == 2


@pytest.mark.parametrize("days", [(5, 4)])
def test_a_period_ending_before_it_starts_is_refused(days: Any) -> None:
    from apps.controls.refusals import ValidationFailed

    with pytest.raises(ValidationFailed):
        period_of(date(2026, 1, days[0]), date(2026, 1, days[1]), ZoneInfo("UTC"))
