"""Each line's match result (LineMatch): what the API, the evidence pack and deletion see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.assurance.pack_content import subject_story
from apps.invoices.models import Invoice, LineMatch
from apps.matching.services.outcome import invoices_match
from apps.policies.models import PolicyVersion
from tests.conftest import count_queries

from .conftest import invoice_body, make_order
from .test_matching import receive_and_match


def matched(aporg: Any, receive: Any, lines: int, number: str) -> Invoice:
    order = make_order(aporg, [(f"Item {i}", "4", "25.00") for i in range(1, lines + 1)])
    receive(aporg, order, {i: "4" for i in range(1, lines + 1)})
    # line 1 is 1 % over the order price: within the default price tolerance
    return receive_and_match(aporg, invoice_body(order, number=number, prices={1: "25.25"}))


def test_invoice_api_shows_each_line_result_in_flat_queries(
    aporg: Any, in_tenant: Any, receive: Any, api_for: Any
) -> None:
    api = api_for(aporg.tenant, aporg.clerk)
    with in_tenant(aporg.tenant):
        small = matched(aporg, receive, 2, "LR-2")
        large = matched(aporg, receive, 6, "LR-6")
    body = api.get(f"/api/v1/invoices/{small.pk}/").json()
    first, second = body["lines"]
    assert first["match_status"] == "within_tolerance" and first["match_kind"] == "three_way"
    assert first["price_variance"] == "1.00" and first["quantity_variance"] == "0.000"
    assert first["match_policy_version"] == small.policy_version
    assert first["match_detail"] == {
        "order_line": 1,
        "ordered_quantity": "4.000",
        "received_quantity": "4.000",
        "invoiced_before": "0.000",
        "order_unit_price": "25.0000",
    }
    assert second["match_status"] == "matched" and second["price_variance"] == "0.00"
    two_lines = count_queries(lambda: api.get(f"/api/v1/invoices/{small.pk}/"))
    assert count_queries(lambda: api.get(f"/api/v1/invoices/{large.pk}/")) == two_lines


def test_evidence_pack_states_what_each_line_was_compared_with(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        invoice = matched(aporg, receive, 2, "LR-P")
        story = subject_story("invoice", str(invoice.pk))
    assert story is not None
    section = story.sections[0]
    facts = dict(section.facts)
    # the tolerances of the invoice's policy version for its order's category (IT-HW)
    assert "price" in facts["Tolerances applied"] and "(IT-HW)" in facts["Tolerances applied"]
    [lines] = [t for t in section.tables if t.caption == "Match per line"]
    first = lines.rows[0]
    assert first[2] == "within_tolerance" and first[3] == Decimal("1.00")
    # quantities and prices as people read them (in the reader's number format)
    assert first[5] == "order line 1: 4 ordered at 25.00, 4 received, 0 invoiced before"


def test_line_results_go_with_their_invoice(aporg: Any, in_tenant: Any, receive: Any) -> None:
    """No database foreign key holds a result to its line: deleting goes through the ORM,
    whose cascade removes the results too."""
    with in_tenant(aporg.tenant):
        invoice = matched(aporg, receive, 2, "LR-D")
        kept = matched(aporg, receive, 2, "LR-K")
        assert LineMatch.objects.filter(line__invoice=invoice).count() == 2
        invoice.exceptions.all().delete()
        invoice.delete()
        assert not LineMatch.objects.filter(line__invoice_id=invoice.pk).exists()
        assert LineMatch.objects.filter(line__invoice=kept).count() == 2


def test_a_rematch_replaces_the_results_a_first_match_inserted(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    """A first match inserts the line results; `matched_at` marks that they exist, whatever
    status matching left the invoice in, so that any later match replaces them."""
    with in_tenant(aporg.tenant):
        invoice = matched(aporg, receive, 2, "LR-R")
        assert invoice.matched_at is not None
        first = {m.line_id: m.status for m in LineMatch.objects.filter(line__invoice=invoice)}
        assert sorted(first.values()) == ["matched", "within_tolerance"]
        # the tenant tightens its price tolerance; the invoice comes back for matching
        current = PolicyVersion.objects.filter(status="published").order_by("-number").first()
        assert current is not None
        document = dict(current.document)
        document["invoices"] = {
            "tolerances": {"price": {"percent": 0, "absolute": None, "combine": "and"}}
        }
        PolicyVersion.objects.filter(pk=current.pk).update(document=document)
        Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.RECEIVED)
        invoices_match(invoice_ids=[invoice.pk])
        invoice.refresh_from_db()
        again = {m.line_id: m for m in LineMatch.objects.filter(line__invoice=invoice)}
    assert again.keys() == first.keys()
    assert invoice.status == Invoice.Status.EXCEPTION
    line_one = next(m for m in again.values() if m.status == "variance")
    assert line_one.price_variance == Decimal("1.00")
    assert sorted(m.status for m in again.values()) == ["matched", "variance"]
