"""Receiving, matching with tolerances, and the invoice's way to approved."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from apps.controls.refusals import ApplicationError
from apps.events.models import OutboxEvent
from apps.invoices.models import Invoice, LineMatch
from apps.invoices.services.receive import invoice_create
from apps.matching.lines import within_sql
from apps.matching.services.outcome import invoices_match
from apps.procurement.models import PurchaseOrder
from apps.procurement.services.receiving import OverReceipt

from .conftest import invoice_body, make_order, tolerances_published, validated


def receive_and_match(aporg: Any, body: dict[str, Any]) -> Invoice:
    invoice = invoice_create(actor=aporg.clerk, data=validated(body))
    invoices_match(invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    return invoice


def codes(invoice: Invoice) -> set[str]:
    return set(invoice.exceptions.exclude(status="resolved").values_list("code", flat=True))


T = {"percent": 2, "absolute": 50, "combine": "and"}


@pytest.mark.parametrize(
    ("variance", "base", "tolerance", "ok"),
    [
        ("0", "100", T, True),
        ("-30", "100", T, True),  # favourable: never an exception
        ("2", "100", T, True),  # exactly 2 %, and under 50
        ("2.01", "100", T, False),  # just over 2 %
        ("50", "10000", T, True),  # absolute boundary, 0.5 %
        ("50.01", "10000", T, False),  # absolute exceeded first, though 0.5 %
        ("60", "10000", {**T, "combine": "or"}, True),  # percent holds under "or"
        ("300", "10000", {**T, "combine": "or"}, False),  # neither holds
        ("40", "100", {**T, "combine": "or"}, True),  # absolute holds under "or"
        ("5", "100", {"percent": None, "absolute": 5, "combine": "and"}, True),
        ("5.01", "100", {"percent": None, "absolute": 5, "combine": "and"}, False),
        ("10", "100", {"percent": 10, "absolute": None, "combine": "and"}, True),
        ("0.01", "100", {"percent": None, "absolute": None, "combine": "and"}, False),
        ("1", "0", {"percent": 5, "absolute": None, "combine": "and"}, False),
    ],
)
@pytest.mark.django_db
def test_tolerance_table(variance: str, base: str, tolerance: dict[str, Any], ok: bool) -> None:
    """The very SQL the matching statement uses, evaluated by PostgreSQL."""
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
        assert cursor.fetchone()[0] is ok


def test_within_tolerance_approves_touchlessly(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(
            aporg, [("Laptop stand", "10", "45.00"), ("Docking station", "4", "180.00")]
        )
        receive(aporg, order, {1: "10", 2: "4"})
        # 1 % over on line 1: inside the default 2 % / 50 (AND) price tolerance
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "45.45"}))
        assert invoice.status == Invoice.Status.APPROVED
        assert invoice.touchless
        assert codes(invoice) == set()
        line = invoice.lines.get(line_no=1)
        assert line.match_status == "within_tolerance" and line.match_kind == "three_way"
        assert line.price_variance == Decimal("4.50")
        assert line.match_policy_version == invoice.policy_version
        assert OutboxEvent.objects.filter(
            event_type="invoice.approved", subject_id=str(invoice.pk)
        ).exists()


def test_price_variance_beyond_tolerance_goes_to_the_buyer(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Laptop stand", "10", "45.00")])
        receive(aporg, order, {1: "10"})
        invoice = receive_and_match(aporg, invoice_body(order, prices={1: "47.00"}))
        assert invoice.status == Invoice.Status.EXCEPTION and not invoice.touchless
        exception = invoice.exceptions.get(code="price_variance")
        assert (exception.category, exception.queue) == ("commercial_mismatch", "buyer")
        assert exception.variance_amount == Decimal("20.00")
        assert OutboxEvent.objects.filter(
            event_type="invoice.exception_raised", subject_id=str(invoice.pk)
        ).exists()


def test_category_override_and_two_way_for_services(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        tolerances_published(
            {
                "categories": {
                    "SRV": {
                        "price": {"percent": 10, "absolute": None, "combine": "and"},
                        "header": {"percent": 10, "absolute": None, "combine": "and"},
                    }
                }
            }
        )
        order = make_order(aporg, [("Consulting day", "5", "800.00")], category="SRV")
        # services: two-way, nothing received; 8 % over is within the SRV override of 10 %
        invoice = receive_and_match(
            aporg, invoice_body(order, prices={1: "864.00"}, number="SRV-1")
        )
        line = invoice.lines.get()
        assert line.match_kind == "two_way" and line.match_status == "within_tolerance"
        assert codes(invoice) == set()
        other = make_order(aporg, [("Consulting day", "5", "800.00")], category="IT-SW")
        invoice = receive_and_match(aporg, invoice_body(other, prices={1: "870.00"}, number="SW-1"))
        assert codes(invoice) == {"price_variance"}


def test_over_receipt_refused_and_returns_allowed(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Chair", "5", "100.00"), ("Desk", "2", "300.00")])
        with pytest.raises(OverReceipt):
            receive(aporg, order, {1: "6"})
        receive(aporg, order, {1: "3"})
        order.refresh_from_db()
        assert order.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
        receive(aporg, order, {1: "2", 2: "2"})
        order.refresh_from_db()
        assert order.status == PurchaseOrder.Status.RECEIVED
        receive(aporg, order, {2: "-1"})  # a return
        order.refresh_from_db()
        assert order.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
        assert order.lines.get(line_no=2).received_quantity == Decimal("1")
        with pytest.raises(ApplicationError):
            receive(aporg, order, {2: "-5"})
        assert OutboxEvent.objects.filter(event_type="goods_receipt.posted").count() == 3


def test_receipt_arriving_later_clears_not_received(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    from apps.invoices.services.resolutions import invoices_rematch_for_order

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Monitor", "4", "200.00")])
        invoice = receive_and_match(aporg, invoice_body(order))
        assert codes(invoice) == {"not_received"}
        assert invoice.exceptions.get().queue == "receiver"
        receive(aporg, order, {1: "4"})
        # what the task sent on the receipt's commit runs (the worker test runs the task)
        assert invoices_rematch_for_order(order_id=order.pk) == 1
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.APPROVED
        assert invoice.exceptions.get().resolution == "cleared_by_rematch"
        assert not invoice.touchless
        # the re-match replaced the line's result instead of adding a second one
        [result] = LineMatch.objects.filter(line__invoice=invoice)
        assert result.status == "matched" and result.received_quantity == Decimal("4.000")


def test_several_invoices_share_one_order(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Toner", "10", "50.00")])
        receive(aporg, order, {1: "10"})
        first = receive_and_match(aporg, invoice_body(order, quantities={1: "6"}, number="A-1"))
        second = receive_and_match(aporg, invoice_body(order, quantities={1: "4"}, number="B-77"))
        assert first.status == second.status == Invoice.Status.APPROVED
        third = receive_and_match(aporg, invoice_body(order, quantities={1: "2"}, number="C-9"))
        assert codes(third) == {"quantity_variance"}


def test_invoice_over_several_orders(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        one = make_order(aporg, [("Paper", "10", "5.00")])
        two = make_order(aporg, [("Pens", "20", "1.50")])
        receive(aporg, one, {1: "10"})
        receive(aporg, two, {1: "20"})
        body = invoice_body(one, number="MULTI-1")
        body["lines"] += invoice_body(two)["lines"]
        body["total"] = "95.20"  # (50 + 30) + 19 % tax
        del body["purchase_order"]
        invoice = receive_and_match(aporg, body)
        assert invoice.status == Invoice.Status.APPROVED, codes(invoice)
        assert {line.po_line.purchase_order_id for line in invoice.lines.all()} == {one.pk, two.pk}


def test_batch_matching_is_set_based(aporg: Any, in_tenant: Any, receive: Any) -> None:
    from tests.conftest import count_queries

    with in_tenant(aporg.tenant):

        def batch(n: int) -> list[Any]:
            ids = []
            for i in range(n):
                # distinct amounts: same supplier, day and amount would be a suspected duplicate
                order = make_order(
                    aporg, [("Item A", "2", "10.00"), ("Item B", "1", f"{n * 100 + i}.00")]
                )
                receive(aporg, order, {1: "2", 2: "1"})
                ids.append(
                    invoice_create(
                        actor=aporg.clerk,
                        data=validated(invoice_body(order, number=uuid.uuid4().hex[:12])),
                    ).pk
                )
            return ids

        invoices_match(invoice_ids=batch(1))  # first use fills per-process caches
        small, large = batch(2), batch(12)
        few = count_queries(lambda: invoices_match(invoice_ids=small))
        many = count_queries(lambda: invoices_match(invoice_ids=large))
        assert many == few
        assert Invoice.objects.filter(pk__in=large, status="approved", touchless=True).count() == 12


def test_invoice_approval_above_the_policy_amount(aporg: Any, in_tenant: Any, receive: Any) -> None:
    from apps.workflow.models import ApprovalTask
    from apps.workflow.services import task_approve

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Server", "1", "12000.00")])
        receive(aporg, order, {1: "1"})
        invoice = receive_and_match(aporg, invoice_body(order, number="BIG-1"))
        assert invoice.status == Invoice.Status.PENDING_APPROVAL
        # stamped as matched like any other: its line results exist
        assert invoice.matched_at is not None and LineMatch.objects.filter(line__invoice=invoice)
        task = ApprovalTask.objects.get(
            subject_type="invoice",
            subject_id=str(invoice.pk),
            status="open",
            assignee=aporg.apmanager,
        )
        task_approve(actor=aporg.apmanager, task_id=task.pk)
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.APPROVED and invoice.approved_by == aporg.apmanager
        assert not invoice.touchless


def test_one_batch_shares_orders_checks_the_header_and_links_lines(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    """Several invoices matched together: an order line's quantity is shared in the order
    the invoices arrived, the header is checked against the order value of the matched lines,
    and lines that name no order line are linked by description (or reported as not on the
    order)."""
    with in_tenant(aporg.tenant):
        current = tolerances_published(
            {
                "price": {"percent": 5, "absolute": None, "combine": "and"},
                "header": {"percent": 2, "absolute": None, "combine": "and"},
            }
        )
        toner = make_order(aporg, [("Toner", "10", "50.00")])
        desks = make_order(aporg, [("Desk", "2", "300.00"), ("Chair", "4", "100.00")])
        office = make_order(aporg, [("Desk lamp", "3", "20.00"), ("Office chair", "2", "150.00")])
        for order in (toner, desks, office):
            receive(aporg, order, {line.line_no: str(line.quantity) for line in order.lines.all()})

        def create(body: dict[str, Any]) -> Invoice:
            return invoice_create(actor=aporg.clerk, data=validated(body))

        first = create(invoice_body(toner, quantities={1: "6"}, number="T-1"))
        second = create(invoice_body(toner, quantities={1: "5"}, number="T-2"))
        # 4 % over on each line: within the 5 % line tolerance, above the 2 % header one
        header = create(invoice_body(desks, prices={1: "312.00", 2: "104.00"}, number="H-1"))
        unlinked = invoice_body(office, number="L-1")
        unlinked["lines"] = [
            {"description": "office chair", "quantity": "2", "unit_price": "150.00"},
            {"description": "Desk lamp LED", "quantity": "3", "unit_price": "20.00"},
            {"description": "Plant pot", "quantity": "1", "unit_price": "10.00"},
        ]
        for line in unlinked["lines"]:
            line["tax_rate"] = "19"
        unlinked["total"] = "440.30"  # 370 net + 19 % tax
        linked = create(unlinked)

        counts = invoices_match(invoice_ids=[linked.pk, header.pk, second.pk, first.pk])
        assert counts == {"matched": 4, "approved": 1, "exception": 3}

        first.refresh_from_db()
        assert first.status == Invoice.Status.APPROVED and first.touchless
        assert first.lines.get().match_detail["invoiced_before"] == "0.000"
        late = second.lines.get()
        assert codes(second) == {"quantity_variance"}
        assert late.match_status == "variance" and late.quantity_variance == Decimal("1.000")
        assert late.match_detail["invoiced_before"] == "6.000"

        assert set(header.lines.values_list("match__status", flat=True)) == {"within_tolerance"}
        exception = header.exceptions.get()
        assert (exception.code, exception.line_id) == ("price_variance", None)
        assert exception.variance_amount == Decimal("40.00")
        assert exception.data == {"expected": "1000.00", "invoiced": "1040.00", "header": True}

        lines = {line.line_no: line for line in linked.lines.select_related("po_line")}
        assert lines[1].po_line.description == "Office chair"
        assert lines[2].po_line.description == "Desk lamp"
        assert lines[3].po_line is None and lines[3].match_status == "unmatched"
        assert lines[3].quantity_variance == Decimal("1.000")
        assert lines[3].match_detail == {"reason": "not on the order"}
        exception = linked.exceptions.get()
        assert (exception.code, exception.line_id) == ("quantity_variance", lines[3].pk)
        assert exception.detail == "Line 3 is not on the order."
        assert all(line.match_policy_version == current.label for line in lines.values())


def test_matching_what_is_no_longer_waiting_does_nothing(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """A second nudge for an invoice already matched (a late or repeated task), or for an id
    that names no invoice, matches nothing and writes nothing."""
    from tests import world

    with in_tenant(aporg.tenant):
        matched = world.invoice(aporg, receive, number="AGAIN-1")
        events = OutboxEvent.objects.count()
        assert invoices_match(invoice_ids=[matched.pk]) == {"matched": 0}
        assert invoices_match(invoice_ids=[uuid.uuid4()]) == {"matched": 0}
        assert invoices_match(invoice_ids=[]) == {"matched": 0}
        assert OutboxEvent.objects.count() == events
        assert Invoice.objects.get(pk=matched.pk).status == matched.status


def test_each_tolerance_of_the_policy_reaches_the_match(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    """Quantity limits, absolute limits and "or" reach the set-based match as the policy
    states them (the table test above checks the arithmetic; this checks the plumbing)."""
    with in_tenant(aporg.tenant):
        tolerances_published(
            {
                # 6 % over by price: only the absolute 100 holds, so it passes under "or" alone
                "price": {"percent": 1, "absolute": 100, "combine": "or"},
                # 1 unit more than received and ordered: an absolute quantity limit of 1
                "quantity": {"percent": None, "absolute": 1, "combine": "and"},
                "header": {"percent": None, "absolute": 500, "combine": "and"},
                "categories": {},
            }
        )
        order = make_order(aporg, [("Monitor", "10", "100.00")])
        receive(aporg, order, {1: "10"})
        invoice = receive_and_match(
            aporg,
            invoice_body(order, number="TOL-1", prices={1: "106.00"}, quantities={1: "11"}),
        )
        line = invoice.lines.get()
        assert codes(invoice) == set(), codes(invoice)
        assert line.match_status == "within_tolerance"
        # one unit more than the absolute quantity limit is a variance
        other = make_order(aporg, [("Monitor", "10", "100.00")])
        receive(aporg, other, {1: "10"})
        beyond = receive_and_match(aporg, invoice_body(other, number="TOL-2", quantities={1: "12"}))
        assert "quantity_variance" in codes(beyond)
