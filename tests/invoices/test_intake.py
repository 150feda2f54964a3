"""Invoice intake: the official Peppol examples, Factur-X, CSV, refusals, duplicates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.einvoices import InvalidDocument
from apps.invoices.duplicates import number_key
from apps.invoices.models import Invoice, InvoiceLine
from apps.invoices.services.receive import invoices_import
from apps.suppliers.models import Supplier

from .conftest import invoice_body, make_order, validated

PEPPOL = Path(__file__).resolve().parent / "data" / "peppol"  # OpenPEPPOL BIS Billing 3.0 examples
DATA = Path(__file__).resolve().parent / "data"

# file: (kind, number, currency, lines, lines_total, tax_total, total, payable)
EXPECTED = {
    "base-example.xml": ("invoice", "Snippet1", "EUR", 2, "1300", "331.25", "1656.25", "1656.25"),
    "base-creditnote-correction.xml": (
        "credit_note",
        "Snippet1",
        "EUR",
        2,
        "1300",
        "331.25",
        "1656.25",
        "1656.25",
    ),
    "base-negative-inv-correction.xml": (
        "invoice",
        "Correction1",
        "EUR",
        2,
        "-1300",
        "-331.25",
        "-1656.25",
        "-1656.25",
    ),
    "sales-order-example.xml": (
        "invoice",
        "Snippet1",
        "EUR",
        2,
        "1300",
        "331.25",
        "1656.25",
        "1656.25",
    ),
    "Allowance-example.xml": ("invoice", "Snippet1", "EUR", 3, "5900", "1225", "7125", "6125"),
    "Vat-category-S.xml": ("invoice", "Snippet1", "EUR", 3, "6900", "1550", "8550", "8550"),
    "vat-category-E.xml": ("invoice", "Vat-Z", "GBP", 1, "1200", "0", "1200", "1200"),
    "vat-category-O.xml": ("invoice", "Vat-O", "SEK", 1, "3200", "0", "3200", "3200"),
    "vat-category-Z.xml": ("invoice", "Vat-Z", "GBP", 1, "1200", "0", "1200", "1200"),
}


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def peppol_sellers(aporg: Any, in_tenant: Any) -> None:
    """The sellers of the examples, found by name (their example VAT ids are not real)."""
    with in_tenant(aporg.tenant):
        for name, country in (
            ("SupplierTradingName Ltd.", "GB"),
            ("The Sellercompany Incorporated", "GB"),
            ("SellerCompany", "SE"),
        ):
            Supplier.objects.create(
                name=name, country=country, status=Supplier.Status.APPROVED, email="ar@seller.test"
            )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_peppol_example_imports(
    name: str, aporg: Any, in_tenant: Any, peppol_sellers: None
) -> None:
    kind, number, currency, count, lines_total, tax, total, payable = EXPECTED[name]
    data = (PEPPOL / name).read_bytes()
    with in_tenant(aporg.tenant):
        [invoice] = invoices_import(actor=aporg.clerk, upload=upload(name, data))
        assert (invoice.kind, invoice.invoice_number, invoice.currency) == (kind, number, currency)
        assert invoice.lines.count() == count
        assert invoice.lines_total == Decimal(lines_total)
        assert invoice.tax_total == Decimal(tax)
        assert (invoice.total, invoice.payable) == (Decimal(total), Decimal(payable))
        assert sum(line.net_amount for line in invoice.lines.all()) == Decimal(lines_total)
        import hashlib

        assert invoice.file_sha256 == hashlib.sha256(data).hexdigest()
        # the arithmetic of every official example holds: no tax mismatch is raised
        assert not invoice.exceptions.filter(code="tax_mismatch").exists(), list(
            invoice.exceptions.values_list("detail", flat=True)
        )


def test_ubl_details_order_reference_and_discount(
    aporg: Any, in_tenant: Any, peppol_sellers: None
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(
            aporg,
            [("item name", "7", "400.00")],
            supplier=Supplier.objects.get(name="SupplierTradingName Ltd."),
        )
        xml = (
            (PEPPOL / "base-example.xml")
            .read_text()
            .replace(
                "<cbc:BuyerReference>0150abc</cbc:BuyerReference>",
                f"<cbc:BuyerReference>0150abc</cbc:BuyerReference><cac:OrderReference><cbc:ID>{order.number}</cbc:ID></cac:OrderReference>",
            )
        )
        [invoice] = invoices_import(actor=aporg.clerk, upload=upload("po.xml", xml.encode()))
        assert invoice.purchase_order == order
        line = invoice.lines.get(line_no=1)
        assert (
            line.order_line_reference,
            line.quantity,
            line.unit_price,
            line.tax_rate,
            line.tax_category,
        ) == ("123", Decimal("7"), Decimal("400"), Decimal("25"), "S")
        # "Payment within 10 days, 2% discount"
        assert (invoice.discount_percent, invoice.discount_until) == (
            Decimal("2"),
            date(2017, 11, 23),
        )
        assert invoice.tax_breakdown == [
            {"category": "S", "rate": "25.0", "taxable": "1325", "tax": "331.25"}
        ]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"<?xml version='1.0'?><Invoice><cbc:ID>1</Invoice>", "line 1"),
        (b"<?xml version='1.0'?><Invoice xmlns='urn:example:not-ubl'><ID>1</ID></Invoice>", "root"),
        (
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
            b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'>&e;"
            b"</Invoice>",
            None,
        ),
    ],
)
def test_malformed_or_foreign_xml_is_refused(
    data: bytes, where: str | None, aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        with pytest.raises(InvalidDocument) as refused:
            invoices_import(actor=aporg.clerk, upload=upload("bad.xml", data))
        if where:
            assert where in refused.value.errors
        assert Invoice.objects.count() == 0


def test_missing_element_names_it(aporg: Any, in_tenant: Any, peppol_sellers: None) -> None:
    xml = (
        (PEPPOL / "base-example.xml")
        .read_text()
        .replace("<cbc:IssueDate>2017-11-13</cbc:IssueDate>", "")
    )
    with in_tenant(aporg.tenant):
        with pytest.raises(InvalidDocument) as refused:
            invoices_import(actor=aporg.clerk, upload=upload("x.xml", xml.encode()))
        assert "cbc:IssueDate" in refused.value.errors
        assert Invoice.objects.count() == 0


CSV_HEADER = (
    "supplier_tax_id,supplier_name,invoice_number,invoice_date,due_date,currency,po_number,"
    "po_line,description,quantity,unit_price,tax_rate,invoice_total\n"
)


def test_csv_imports_several_invoices_in_one_go(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Paper", "10", "5.00"), ("Pens", "20", "1.50")])
        rows = (
            f"DE136695976,,C-100,2026-11-02,,EUR,{order.number},1,Paper,10,5.00,19,95.20\n"
            f"DE136695976,,C-100,2026-11-02,,EUR,{order.number},2,Pens,20,1.50,19,95.20\n"
            f",Contoso GmbH,C-200,2026-11-09,2026-12-09,EUR,,,Service fee,1,10.00,0,10.00\n"
        )
        invoices = invoices_import(
            actor=aporg.clerk, upload=upload("batch.csv", (CSV_HEADER + rows).encode())
        )
        assert [i.invoice_number for i in invoices] == ["C-100", "C-200"]
        first = invoices[0]
        assert (first.lines.count(), first.lines_total, first.tax_total, first.total) == (
            2,
            Decimal("80.00"),
            Decimal("15.20"),
            Decimal("95.20"),
        )
        assert (
            first.purchase_order == order
            and not first.exceptions.filter(code="tax_mismatch").exists()
        )
        assert set(invoices[1].exceptions.values_list("code", flat=True)) == {"no_po"}


def test_csv_invoice_over_several_orders_matches_each_row_to_its_order(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    from apps.matching.services.outcome import invoices_match

    with in_tenant(aporg.tenant):
        paper = make_order(aporg, [("Paper", "10", "5.00")])
        pens = make_order(aporg, [("Desk lamp", "2", "30.00"), ("Pens", "20", "1.50")])
        receive(aporg, paper, {1: "10"})
        receive(aporg, pens, {1: "2", 2: "20"})
        rows = (
            f"DE136695976,,M-7,2026-11-02,,EUR,{paper.number},1,Paper,10,5.00,19,95.20\n"
            f"DE136695976,,M-7,2026-11-02,,EUR,{pens.number},2,Pens,20,1.50,19,95.20\n"
        )
        (invoice,) = invoices_import(
            actor=aporg.clerk, upload=upload("multi.csv", (CSV_HEADER + rows).encode())
        )
        assert invoice.purchase_order == paper
        invoices_match(invoice_ids=[invoice.pk])
        invoice.refresh_from_db()
        lines = {line.line_no: line.po_line for line in invoice.lines.all()}
        assert lines == {1: paper.lines.get(), 2: pens.lines.get(line_no=2)}
        assert invoice.status == Invoice.Status.APPROVED and invoice.touchless

        # a row naming an order the supplier does not have is caught, not matched elsewhere
        rows = (
            f"DE136695976,,M-8,2026-11-03,,EUR,{paper.number},1,Paper,1,5.00,19,11.90\n"
            "DE136695976,,M-8,2026-11-03,,EUR,PO-NOPE-1,1,Paper,1,5.00,19,11.90\n"
        )
        (stray,) = invoices_import(
            actor=aporg.clerk, upload=upload("stray.csv", (CSV_HEADER + rows).encode())
        )
        found = stray.exceptions.get(code="po_not_found")
        assert found.data["references"] == ["PO-NOPE-1"]


def test_csv_with_a_bad_row_creates_nothing(aporg: Any, in_tenant: Any) -> None:
    rows = (
        "DE136695976,,C-1,2026-11-02,,EUR,,,Paper,10,5.00,19,59.50\n"
        "DE136695976,,C-2,2026-11-02,,EUR,,,Pens,twenty,1.50,19,35.70\n"
    )
    with in_tenant(aporg.tenant):
        with pytest.raises(InvalidDocument) as refused:
            invoices_import(
                actor=aporg.clerk, upload=upload("bad.csv", (CSV_HEADER + rows).encode())
            )
        assert "row 3, quantity" in refused.value.errors
        assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0


def test_csv_with_a_formula_cell_is_refused_naming_row_and_column(
    aporg: Any, in_tenant: Any
) -> None:
    rows = (
        "DE136695976,,F-1,2026-11-02,,EUR,,,Paper,-1,5.00,19,-5.95\n"  # a credit: numbers pass
        'DE136695976,,F-2,2026-11-02,,EUR,,,"=HYPERLINK(""https://evil.example"")",1,1,19,1.19\n'
    )
    with in_tenant(aporg.tenant):
        with pytest.raises(InvalidDocument) as refused:
            invoices_import(
                actor=aporg.clerk, upload=upload("formula.csv", (CSV_HEADER + rows).encode())
            )
        assert list(refused.value.errors or {}) == ["row 3, description"]
        assert "formula" in refused.value.detail
        assert Invoice.objects.count() == 0


def test_an_active_pdf_is_refused_at_import(aporg: Any, api_for: Any, in_tenant: Any) -> None:
    from tests.pdfs import ACTIVE

    answer = api_for(aporg.tenant, aporg.clerk).post(
        "/api/v1/invoices/import/",
        {"file": upload("fx.pdf", ACTIVE["page_aa_js"][0])},
        format="multipart",
    )
    assert answer.status_code == 422 and answer.json()["code"] == "active_pdf"
    with in_tenant(aporg.tenant):
        assert not Invoice.objects.exists()


def test_facturx_pdf_imports(aporg: Any, in_tenant: Any) -> None:
    from facturx import generate_from_binary
    from weasyprint import HTML

    pdf = HTML(string="<h1>Invoice FX-2026-7</h1>").write_pdf()
    xml = (DATA / "factur-x.xml").read_bytes()
    facturx_pdf = generate_from_binary(pdf, xml, check_xsd=False)
    with in_tenant(aporg.tenant):
        [invoice] = invoices_import(actor=aporg.clerk, upload=upload("fx.pdf", facturx_pdf))
        assert (invoice.channel, invoice.invoice_number, invoice.currency) == (
            "facturx",
            "FX-2026-7",
            "EUR",
        )
        assert (invoice.lines_total, invoice.tax_total, invoice.total) == (
            Decimal("500.00"),
            Decimal("95.00"),
            Decimal("595.00"),
        )
        assert invoice.supplier == aporg.supplier  # found by its VAT id
        assert invoice.lines.get().quantity == Decimal("2")


def test_pdf_without_embedded_xml_is_refused(aporg: Any, in_tenant: Any) -> None:
    from weasyprint import HTML

    with in_tenant(aporg.tenant), pytest.raises(InvalidDocument):
        invoices_import(
            actor=aporg.clerk, upload=upload("plain.pdf", HTML(string="<p>hi</p>").write_pdf())
        )


# --------------------------------------------------------------------------- duplicates
@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("INV-000123", "123"),
        ("inv 123", "123"),
        ("#123", "123"),
        ("00123", "123"),
        ("Invoice/2026-0042", "20260042"),
        ("A-7", "a7"),
    ],
)
def test_number_key(number: str, expected: str) -> None:
    assert number_key(number) == expected


def _json_invoice(aporg: Any, order: Any, **kwargs: Any) -> Invoice:
    from apps.invoices.services.receive import invoice_create

    return invoice_create(actor=aporg.clerk, data=validated(invoice_body(order, **kwargs)))


def test_duplicates_caught_and_a_different_invoice_not_flagged(aporg: Any, in_tenant: Any) -> None:
    today = date.today()
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Cable", "10", "12.00")])
        original = _json_invoice(aporg, order, number="INV-000123", on=today)
        assert not original.exceptions.filter(code="duplicate_suspected").exists()
        spelled = _json_invoice(aporg, order, number="inv #123", on=today)
        assert spelled.duplicate_of == original
        # a different number, 3 days later, same amount: supplier + date + amount
        later = _json_invoice(aporg, order, number="X-98765", on=today + timedelta(days=3))
        assert later.duplicate_of == original
        # a genuinely different invoice: other number, other amount, weeks apart
        different = _json_invoice(
            aporg, order, number="X-55501", quantities={1: "4"}, on=today + timedelta(days=30)
        )
        assert different.duplicate_of is None
        assert not different.exceptions.filter(code="duplicate_suspected").exists()
        exception = spelled.exceptions.get(code="duplicate_suspected")
        assert (exception.category, exception.queue) == ("data_quality", "ap")


def test_same_file_twice_is_a_duplicate(aporg: Any, in_tenant: Any, peppol_sellers: None) -> None:
    data = (PEPPOL / "vat-category-O.xml").read_bytes()
    with in_tenant(aporg.tenant):
        [first] = invoices_import(actor=aporg.clerk, upload=upload("a.xml", data))
        [second] = invoices_import(actor=aporg.clerk, upload=upload("b.xml", data))
        assert second.duplicate_of == first
        assert second.exceptions.get(code="duplicate_suspected").data["reason"] == "same_file"


def test_implausible_values_are_refused_whatever_the_channel(
    aporg: Any, in_tenant: Any, api_for: Any
) -> None:
    """Dates from 2000-01-01 to a year ahead, an active ISO 4217 code in upper case, numbers
    without invisible characters (docs/api.md, "Values")."""
    from apps.controls.refusals import ValidationFailed

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Paper", "10", "5.00")])
        body = invoice_body(order, number="V-1")
    api = api_for(aporg.tenant, aporg.clerk)
    far = (date.today() + timedelta(days=400)).isoformat()
    cases = {
        "invoice_date": [{"invoice_date": "0001-01-01"}, {"invoice_date": far}],
        "due_date": [{"due_date": "9999-12-31"}],
        "currency": [{"currency": "ZZZ"}, {"currency": "eur"}],
        "invoice_number": [{"invoice_number": "V-\u202e1"}, {"invoice_number": "V\u200b-1"}],
    }
    for field, changes in cases.items():
        for change in changes:
            refused = api.post("/api/v1/invoices/", {**body, **change}, format="json")
            assert refused.status_code in (400, ValidationFailed.status), change
            assert refused.json()["code"] == "validation_error", change
            assert list(refused.json()["errors"]) == [field], (change, refused.json())
    rows = f"DE136695976,,V-2,0001-01-01,,EUR,{order.number},1,Paper,10,5.00,19,59.50\n"
    with in_tenant(aporg.tenant):
        with pytest.raises(ValidationFailed) as by_file:
            invoices_import(
                actor=aporg.clerk, upload=upload("old.csv", (CSV_HEADER + rows).encode())
            )
        assert list(by_file.value.errors or {}) == ["invoice_date"]
        assert "2000-01-01" in by_file.value.errors["invoice_date"][0]
        # a number longer than its column is refused, not cut (two would become one)
        long_number = "V-" + "9" * 59
        rows = (
            f"DE136695976,,{long_number},2026-11-02,,EUR,{order.number},1,Paper,10,5.00,19,59.50\n"
        )
        with pytest.raises(ValidationFailed) as by_file:
            invoices_import(
                actor=aporg.clerk, upload=upload("long.csv", (CSV_HEADER + rows).encode())
            )
        assert list(by_file.value.errors or {}) == ["invoice_number"]
        assert "At most 60 characters; this one has 61." in by_file.value.errors["invoice_number"]
        assert Invoice.objects.count() == 0
    kept = api.post("/api/v1/invoices/", body, format="json")
    assert kept.status_code == 201, kept.content
