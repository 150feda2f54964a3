"""Credit notes are tied to what they correct: a real Peppol credit note naming no known order
or invoice waits in `credit_note_unmatched` instead of being approved touchless; AP links the
credited invoice or names the order, after which it is matched; one on a known order or for a
known invoice is matched on arrival."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.controls.refusals import InvalidTransition, ValidationFailed
from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoices_import
from apps.invoices.services.resolutions import exception_resolve, invoice_rematch
from apps.matching.services.outcome import invoices_match
from apps.suppliers.models import Supplier

from .conftest import make_order

PEPPOL = Path(__file__).resolve().parent / "data" / "peppol"  # OpenPEPPOL BIS Billing 3.0
SELLER = "SupplierTradingName Ltd."  # the seller of base-example and base-creditnote-correction
BILLING = """    <cac:BillingReference>
        <cac:InvoiceDocumentReference>
            <cbc:ID>Snippet1</cbc:ID>
        </cac:InvoiceDocumentReference>
    </cac:BillingReference>
"""
BUYER_REFERENCE = "<cbc:BuyerReference>0150abc</cbc:BuyerReference>"
FAKE_VAT = "<cbc:CompanyID>GB1232434</cbc:CompanyID>"  # not a valid VAT id: left out


def peppol(name: str) -> str:
    xml = (PEPPOL / name).read_text()
    assert FAKE_VAT in xml
    return xml.replace(FAKE_VAT, "<cbc:CompanyID></cbc:CompanyID>")


def credit_note(
    *, order: str | None = None, credits: str | None = "Snippet1", number: str = "Snippet1"
) -> bytes:
    """The official Peppol credit note Snippet1 (two lines, crediting invoice Snippet1),
    naming another credited invoice or none, optionally an order, and its own number."""
    xml = peppol("base-creditnote-correction.xml")
    assert BILLING in xml
    xml = xml.replace(BILLING, BILLING.replace("Snippet1", credits) if credits else "")
    xml = xml.replace("<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1)
    if order is not None:
        xml = xml.replace(
            BUYER_REFERENCE,
            f"{BUYER_REFERENCE}<cac:OrderReference><cbc:ID>{order}</cbc:ID></cac:OrderReference>",
        )
    return xml.encode()


def arrive(aporg: Any, data: bytes, name: str = "cn.xml") -> Invoice:
    """Import a file and match it (matching is sent on commit, which a test never reaches)."""
    [document] = invoices_import(actor=aporg.clerk, upload=SimpleUploadedFile(name, data))
    invoices_match(invoice_ids=[document.pk])
    document.refresh_from_db()
    return document


@pytest.fixture
def seller(aporg: Any, in_tenant: Any) -> Supplier:
    with in_tenant(aporg.tenant):
        return Supplier.objects.create(
            name=SELLER, country="GB", status=Supplier.Status.APPROVED, email="ar@seller.test"
        )


def held(note: Invoice) -> Any:
    assert note.kind == Invoice.Kind.CREDIT_NOTE
    assert note.status == Invoice.Status.EXCEPTION and not note.touchless
    return note.exceptions.get(code="credit_note_unmatched", status="open")


@pytest.mark.parametrize(
    ("credits", "order", "said"),
    [
        (None, None, ["it names no purchase order", "it names no invoice it credits"]),
        ("Snippet1", None, ["it names no purchase order", "invoice Snippet1 was not received"]),
        (None, "PO445", ["purchase order PO445 is not one of this supplier's"]),
    ],
    ids=["no_reference", "unknown_invoice", "unknown_order"],
)
def test_a_credit_note_tied_to_nothing_known_waits_for_ap(
    credits: str | None,
    order: str | None,
    said: list[str],
    aporg: Any,
    in_tenant: Any,
    seller: Supplier,
) -> None:
    with in_tenant(aporg.tenant):
        note = arrive(aporg, credit_note(order=order, credits=credits))
        exception = held(note)
        assert (exception.category, exception.queue) == ("data_quality", "ap")
        for words in said:
            assert words in exception.detail
        # its lines had nothing to be matched with, and nothing was approved
        assert {line.match_status for line in note.lines.all()} == {"pending"}
        assert note.approved_at is None
        # matched again, it stays held: matching itself refuses to approve it
        invoice_rematch(actor=aporg.clerk, invoice_id=note.pk)
        note.refresh_from_db()
        assert note.status == Invoice.Status.EXCEPTION and note.approved_at is None
        assert note.exceptions.filter(code="credit_note_unmatched", status="open").count() == 1


def test_overriding_is_not_a_way_out(aporg: Any, in_tenant: Any, seller: Supplier) -> None:
    with in_tenant(aporg.tenant):
        exception = held(arrive(aporg, credit_note(credits=None)))
        with pytest.raises(InvalidTransition):
            exception_resolve(
                actor=aporg.clerk, exception_id=exception.pk, resolution="override", comment="ok"
            )


def test_linking_the_credited_invoice_matches_it(
    aporg: Any, in_tenant: Any, seller: Supplier
) -> None:
    with in_tenant(aporg.tenant):
        note = arrive(aporg, credit_note(credits="SNIPPET-9"))
        exception = held(note)
        other = Supplier.objects.create(name="Other Ltd", country="GB", status="approved")
        strangers = make_order(aporg, [("item name", "7", "400.00")], supplier=other)
        invoice = arrive(aporg, peppol("base-example.xml").encode(), "inv.xml")
        assert invoice.kind == Invoice.Kind.INVOICE and invoice.invoice_number == "Snippet1"
        foreign = Invoice.objects.create(
            kind=Invoice.Kind.INVOICE,
            supplier=other,
            invoice_number="O-1",
            number_key="o1",
            invoice_date=invoice.invoice_date,
            currency="EUR",
            purchase_order=strangers,
            total=1,
            payable=1,
            channel="api",
        )
        for wrong in (str(foreign.pk), "not-an-id", ""):
            with pytest.raises(ValidationFailed) as refused:
                exception_resolve(
                    actor=aporg.clerk,
                    exception_id=exception.pk,
                    resolution="link_invoice",
                    credited_invoice=wrong,
                )
            assert "credited_invoice" in refused.value.errors
        exception_resolve(
            actor=aporg.clerk,
            exception_id=exception.pk,
            resolution="link_invoice",
            credited_invoice=str(invoice.pk),
        )
        note.refresh_from_db()
        exception.refresh_from_db()
        assert exception.status == "resolved" and exception.resolution == "link_invoice"
        assert note.credited_invoice_id == invoice.pk and note.billing_reference == "Snippet1"
        assert note.status == Invoice.Status.APPROVED and not note.touchless
        assert {(line.match_status, line.match_kind) for line in note.lines.all()} == {
            ("matched", "credit")
        }


def test_naming_the_order_matches_it(aporg: Any, in_tenant: Any, seller: Supplier) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(
            aporg, [("item name", "7", "400.00"), ("item name 2", "3", "500.00")], supplier=seller
        )
        note = arrive(aporg, credit_note(order="PO445", credits=None))
        exception = held(note)
        with pytest.raises(ValidationFailed):
            exception_resolve(actor=aporg.clerk, exception_id=exception.pk, resolution="rematch")
        exception_resolve(
            actor=aporg.clerk,
            exception_id=exception.pk,
            resolution="rematch",
            purchase_order=order.number,
        )
        note.refresh_from_db()
        assert note.purchase_order_id == order.pk
        assert note.status == Invoice.Status.APPROVED and not note.touchless
        lines = sorted(note.lines.all(), key=lambda line: line.line_no)
        results = [(line.match_status, line.result and line.result.order_line_no) for line in lines]
        assert results == [("matched", 1), ("matched", 2)]


def test_rejecting_stays_possible(aporg: Any, in_tenant: Any, seller: Supplier) -> None:
    with in_tenant(aporg.tenant):
        note = arrive(aporg, credit_note(order="PO445", credits=None))
        exception_resolve(
            actor=aporg.clerk,
            exception_id=held(note).pk,
            resolution="reject_invoice",
            comment="not ours",
        )
        note.refresh_from_db()
        assert note.status == Invoice.Status.REJECTED


def test_a_credit_note_for_a_known_order_still_matches(
    aporg: Any, in_tenant: Any, seller: Supplier
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(
            aporg, [("item name", "7", "400.00"), ("item name 2", "3", "500.00")], supplier=seller
        )
        note = arrive(aporg, credit_note(order=order.number, credits=None))
        assert not note.exceptions.exists()
        assert note.status == Invoice.Status.APPROVED and note.touchless
        assert sorted(
            (line.match_status, line.match_kind, line.result and line.result.order_line_no)
            for line in note.lines.all()
        ) == [("matched", "credit", 1), ("matched", "credit", 2)]


def test_a_line_off_the_order_of_a_credit_note_crediting_no_invoice_is_held(
    aporg: Any, in_tenant: Any, seller: Supplier
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Consulting", "7", "400.00")], supplier=seller)
        note = arrive(aporg, credit_note(order=order.number, credits=None))
        assert note.status == Invoice.Status.EXCEPTION
        lines_held = list(note.exceptions.filter(code="credit_note_unmatched"))
        assert len(lines_held) == 2  # neither credited line is on the one-line order
        assert all(e.line_id and "not on the order" in e.detail for e in lines_held)


def test_a_credit_note_for_a_received_invoice_is_matched_on_arrival(
    aporg: Any, in_tenant: Any, seller: Supplier
) -> None:
    with in_tenant(aporg.tenant):
        invoice = arrive(aporg, peppol("base-example.xml").encode(), "inv.xml")
        note = arrive(aporg, credit_note())
        assert note.credited_invoice_id == invoice.pk
        assert not note.exceptions.exists()
        assert note.status == Invoice.Status.APPROVED
        assert {line.match_status for line in note.lines.all()} == {"matched"}


def test_ap_links_the_credited_invoice_on_the_page_and_over_the_api(
    aporg: Any, in_tenant: Any, seller: Supplier, api_for: Any
) -> None:
    from tests.integrations.conftest import signed_in

    with in_tenant(aporg.tenant):
        invoice = arrive(aporg, peppol("base-example.xml").encode(), "inv.xml")
        on_page = held(arrive(aporg, credit_note(credits="SNIPPET-8"), "a.xml"))
        # another credit note, a month later (not to look like a duplicate of the first)
        later = credit_note(credits="SNIPPET-9", number="CN-2").replace(
            b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>",
            b"<cbc:IssueDate>2017-12-13</cbc:IssueDate>",
        )
        over_api = held(arrive(aporg, later, "b.xml"))
    browser = signed_in(aporg.tenant, aporg.clerk)
    page = browser.get(f"/exceptions/{on_page.pk}/").content.decode()
    assert 'data-testid="credited-invoice"' in page and str(invoice.pk) in page
    assert '<option value="link_invoice">' in page and '<option value="override">' not in page
    browser.post(
        f"/exceptions/{on_page.pk}/",
        {"resolution": "link_invoice", "credited_invoice": str(invoice.pk)},
    )
    api = api_for(aporg.tenant, aporg.clerk)
    refused = api.post(
        f"/api/v1/exceptions/{over_api.pk}/resolve/",
        {"resolution": "link_invoice", "credited_invoice": "nope"},
        format="json",
    )
    assert refused.status_code == 422 and "credited_invoice" in refused.json()["errors"]
    answer = api.post(
        f"/api/v1/exceptions/{over_api.pk}/resolve/",
        {"resolution": "link_invoice", "credited_invoice": str(invoice.pk)},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "resolved"
    with in_tenant(aporg.tenant):
        notes = Invoice.objects.filter(pk__in=[on_page.invoice_id, over_api.invoice_id])
        assert {(n.credited_invoice_id, n.status) for n in notes} == {(invoice.pk, "approved")}


def test_a_cii_credit_note_is_tied_by_its_invoice_referenced_document(
    aporg: Any, in_tenant: Any
) -> None:
    """The CII equivalent of UBL's BillingReference: InvoiceReferencedDocument (BT-25)."""
    cii = (PEPPOL.parent / "einvoices" / "CII_example1.xml").read_bytes()
    note = cii.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>381</ram:TypeCode>", 1)
    note = note.replace(b"<ram:ID>12115118</ram:ID>", b"<ram:ID>CN-12115118</ram:ID>", 1)
    with in_tenant(aporg.tenant):
        Supplier.objects.create(name="De Koksmaat", country="NL", status="approved")
        untied = arrive(aporg, note, "untied.xml")
        assert held(untied).detail.endswith(
            "it names no purchase order; it names no invoice it credits. "
            "Link the invoice it credits or name the order."
        )
        invoice = arrive(aporg, cii, "invoice.xml")
        tied = note.replace(
            b"<ram:ApplicableHeaderTradeSettlement>",
            b"<ram:ApplicableHeaderTradeSettlement><ram:InvoiceReferencedDocument>"
            b"<ram:IssuerAssignedID>12115118</ram:IssuerAssignedID>"
            b"</ram:InvoiceReferencedDocument>",
            1,
        ).replace(b"CN-12115118", b"CN-2")
        credit = arrive(aporg, tied, "tied.xml")
        assert credit.credited_invoice_id == invoice.pk
        assert not credit.exceptions.filter(code="credit_note_unmatched").exists()
        assert {line.match_status for line in credit.lines.all()} == {"matched"}


def test_a_limited_key_does_not_find_another_entitys_invoice_to_credit(
    aporg: Any, in_tenant: Any, seller: Supplier
) -> None:
    """A credit note filed by a key limited to US01 naming an invoice of a DE01 order ties
    to nothing: that invoice does not exist for the key (docs/integrations.md)."""
    from copy import copy

    from apps.controls.entities import limit_to_entities

    with in_tenant(aporg.tenant):
        de_order = make_order(aporg, [("Consulting", "7", "400.00")], supplier=seller)
        us_order = make_order(
            aporg, [("Consulting", "7", "400.00")], supplier=seller, entity="US01"
        )
        invoice = arrive(aporg, peppol("base-example.xml").encode(), "inv.xml")
        invoice.purchase_order = de_order
        invoice.save(update_fields=["purchase_order"])
        key = copy(aporg.clerk)
        limit_to_entities(key, ["US01"])
        [note] = invoices_import(
            actor=key, upload=SimpleUploadedFile("cn.xml", credit_note(order=us_order.number))
        )
        assert note.credited_invoice_id is None
        unlimited = arrive(aporg, credit_note(order=us_order.number, number="CN-2"))
        assert unlimited.credited_invoice_id == invoice.pk
