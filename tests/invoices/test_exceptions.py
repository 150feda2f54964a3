"""Working exceptions within authority, four-eyes on duplicates, credit notes, and the API's
lists (payment release: tests/payments/test_runs.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.controls.refusals import InvalidTransition, PermissionRefused, SoDViolation
from apps.invoices.models import CreditNoteRequest, Invoice
from apps.invoices.services.resolutions import AuthorityExceeded, exception_resolve
from tests.conftest import count_queries

from .conftest import invoice_body, make_order, validated
from .test_matching import receive_and_match


def price_exception(aporg: Any, receive: Any, price: str = "47.00", number: str = "PV-1") -> Any:
    order = make_order(aporg, [("Laptop stand", "10", "45.00")])
    receive(aporg, order, {1: "10"})
    invoice = receive_and_match(aporg, invoice_body(order, prices={1: price}, number=number))
    return invoice, invoice.exceptions.get(code="price_variance")


def test_accept_variance_within_authority_approves(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        invoice, exception = price_exception(aporg, receive)  # 20.00 over; clerk may accept 100
        exception_resolve(
            actor=aporg.clerk, exception_id=exception.pk, resolution="accept_variance"
        )
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.APPROVED and not invoice.touchless
        assert invoice.lines.get().match_status == "accepted"


def test_accept_variance_beyond_authority_refused(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        invoice, exception = price_exception(aporg, receive, price="60.00")  # 150.00 over
        with pytest.raises(AuthorityExceeded):
            exception_resolve(
                actor=aporg.clerk, exception_id=exception.pk, resolution="accept_variance"
            )
        with pytest.raises(AuthorityExceeded):
            exception_resolve(
                actor=aporg.clerk, exception_id=exception.pk, resolution="override", comment="fine"
            )
        exception_resolve(
            actor=aporg.buyer, exception_id=exception.pk, resolution="accept_variance"
        )
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.APPROVED


def test_queue_ownership(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        _invoice, exception = price_exception(aporg, receive)
        with pytest.raises(PermissionRefused):
            exception_resolve(
                actor=aporg.org.requester, exception_id=exception.pk, resolution="accept_variance"
            )
        with pytest.raises(PermissionRefused):
            exception_resolve(
                actor=aporg.receiver, exception_id=exception.pk, resolution="accept_variance"
            )
        with pytest.raises(InvalidTransition):
            exception_resolve(
                actor=aporg.clerk,
                exception_id=exception.pk,
                resolution="release_duplicate",
                comment="x",
            )


def test_duplicate_release_needs_a_reason_and_a_second_person(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    from apps.controls.refusals import ValidationFailed

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Cable", "10", "12.00")])
        receive(aporg, order, {1: "10"})
        receive_and_match(aporg, invoice_body(order, number="INV-5", quantities={1: "5"}))
        twin = receive_and_match(aporg, invoice_body(order, number="inv 0005", quantities={1: "5"}))
        exception = twin.exceptions.get(code="duplicate_suspected")
        assert twin.status == Invoice.Status.EXCEPTION
        with pytest.raises(ValidationFailed):
            exception_resolve(
                actor=aporg.clerk, exception_id=exception.pk, resolution="release_duplicate"
            )
        exception_resolve(
            actor=aporg.clerk,
            exception_id=exception.pk,
            resolution="release_duplicate",
            comment="second delivery, confirmed by phone",
        )
        with pytest.raises(SoDViolation):
            exception_resolve(
                actor=aporg.clerk,
                exception_id=exception.pk,
                resolution="release_duplicate",
                comment="again",
            )
        with pytest.raises(InvalidTransition):
            exception_resolve(
                actor=aporg.clerk, exception_id=exception.pk, resolution="override", comment="skip"
            )
        twin.refresh_from_db()
        assert twin.status == Invoice.Status.EXCEPTION
        exception_resolve(
            actor=aporg.clerk2,
            exception_id=exception.pk,
            resolution="release_duplicate",
            comment="agreed",
        )
        twin.refresh_from_db()
        assert twin.status == Invoice.Status.APPROVED


def test_credit_note_request_settled_by_the_credit_note(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    from apps.invoices.services.receive import invoice_create

    with in_tenant(aporg.tenant):
        invoice, exception = price_exception(aporg, receive, price="60.00")
        exception_resolve(
            actor=aporg.clerk,
            exception_id=exception.pk,
            resolution="request_credit_note",
            comment="ordered at 45.00",
        )
        request = CreditNoteRequest.objects.get(invoice=invoice)
        assert request.amount == Decimal("150.00") and request.status == "requested"
        body = {
            "supplier": str(aporg.supplier.pk),
            "invoice_number": "CN-1",
            "invoice_date": invoice.invoice_date.isoformat(),
            "currency": "EUR",
            "kind": "credit_note",
            "credited_invoice_number": invoice.invoice_number,
            "lines": [
                {
                    "description": "Price correction",
                    "quantity": "10",
                    "unit_price": "15.00",
                    "tax_rate": "19",
                }
            ],
            "total": "178.50",
        }
        invoice_create(actor=aporg.clerk, data=validated(body))
        request.refresh_from_db()
        invoice.refresh_from_db()
        assert request.status == "received"
        assert invoice.status == Invoice.Status.APPROVED


def test_credit_notes_for_less_than_asked_settle_together(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    from apps.invoices.models import ExceptionComment
    from apps.invoices.services.receive import invoice_create

    def credit(invoice: Invoice, number: str, unit: str) -> None:
        body = {
            "supplier": str(aporg.supplier.pk),
            "invoice_number": number,
            "invoice_date": invoice.invoice_date.isoformat(),
            "currency": "EUR",
            "kind": "credit_note",
            "credited_invoice_number": invoice.invoice_number,
            "lines": [{"description": "Price correction", "quantity": "10", "unit_price": unit}],
            "total": str(Decimal(unit) * 10),
        }
        invoice_create(actor=aporg.clerk, data=validated(body))

    with in_tenant(aporg.tenant):
        invoice, exception = price_exception(aporg, receive, price="60.00")  # 150.00 asked
        exception_resolve(
            actor=aporg.clerk,
            exception_id=exception.pk,
            resolution="request_credit_note",
            comment="ordered at 45.00",
        )
        credit(invoice, "CN-A", "6.00")  # 60.00 of 150.00
        request = CreditNoteRequest.objects.get(invoice=invoice)
        exception.refresh_from_db()
        assert request.status == "requested" and exception.status == "waiting_supplier"
        note = ExceptionComment.objects.get(exception=exception).body
        assert "CN-A" in note and "90.00 of the 150.00" in note
        credit(invoice, "CN-B", "9.00")  # the other 90.00: together they cover it
        request.refresh_from_db()
        invoice.refresh_from_db()
        assert request.status == "received"
        assert invoice.status == Invoice.Status.APPROVED


def test_reject_invoice_closes_everything(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        invoice, exception = price_exception(aporg, receive)
        exception_resolve(
            actor=aporg.buyer,
            exception_id=exception.pk,
            resolution="reject_invoice",
            comment="wrong prices",
        )
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.REJECTED
        assert not invoice.exceptions.exclude(status="resolved").exists()


def test_api_lists_keep_a_flat_query_count(
    aporg: Any, in_tenant: Any, receive: Any, api_for: Any
) -> None:
    api = api_for(aporg.tenant, aporg.clerk)
    with in_tenant(aporg.tenant):
        price_exception(aporg, receive, number="Q-1")
    one_invoice = count_queries(lambda: api.get("/api/v1/invoices/"))
    one_exception = count_queries(lambda: api.get("/api/v1/exceptions/"))
    with in_tenant(aporg.tenant):
        for i in range(2, 7):
            price_exception(aporg, receive, price=f"{47 + i}.00", number=f"Q-{i}9{i}")
    assert count_queries(lambda: api.get("/api/v1/invoices/")) == one_invoice
    assert count_queries(lambda: api.get("/api/v1/exceptions/")) == one_exception
    body = api.get("/api/v1/exceptions/?code=price_variance&status=open").json()
    assert body["count"] == 6
    web = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        web.force_login(aporg.clerk)
    pages = [
        count_queries(lambda: web.get("/invoices/")),
        count_queries(lambda: web.get("/exceptions/")),
    ]
    with in_tenant(aporg.tenant):
        price_exception(aporg, receive, price="51.50", number="Q-LAST")
    assert [
        count_queries(lambda: web.get("/invoices/")),
        count_queries(lambda: web.get("/exceptions/")),
    ] == pages


def test_api_flow_receipt_import_and_resolve(aporg: Any, in_tenant: Any, api_for: Any) -> None:
    from apps.matching.services.outcome import invoices_match

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Chair", "4", "100.00")])
        line = order.lines.get()
    receiver = api_for(aporg.tenant, aporg.receiver)
    response = receiver.post(
        "/api/v1/goods-receipts/",
        {"purchase_order": str(order.pk), "lines": [{"po_line": line.pk, "quantity": "9"}]},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "over_receipt", (
        response.content
    )
    response = receiver.post(
        "/api/v1/goods-receipts/",
        {"purchase_order": str(order.pk), "lines": [{"po_line": line.pk, "quantity": "4"}]},
        format="json",
    )
    assert response.status_code == 201 and response.json()["purchase_order_status"] == "received"
    clerk = api_for(aporg.tenant, aporg.clerk)
    response = clerk.post(
        "/api/v1/invoices/",
        invoice_body(order, prices={1: "110.00"}, number="API-1"),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "received"
    invoice_id = response.json()["id"]
    with in_tenant(aporg.tenant):
        invoices_match(invoice_ids=[invoice_id])
    body = clerk.get(f"/api/v1/invoices/{invoice_id}/").json()
    assert body["status"] == "exception" and body["touchless"] is False
    [exception] = [e for e in body["exceptions"] if e["code"] == "price_variance"]
    assert exception["category"] == "commercial_mismatch"
    refused = clerk.post(
        f"/api/v1/exceptions/{exception['id']}/resolve/",
        {"resolution": "accept_variance"},
        format="json",
    )
    assert refused.status_code == 200, refused.content  # 40.00 is within the clerk's 100
    assert clerk.get(f"/api/v1/invoices/{invoice_id}/").json()["status"] == "approved"
    bad = clerk.post(
        "/api/v1/invoices/import/",
        {"file": __import__("io").BytesIO(b"<Invoice><x></Invoice>")},
        format="multipart",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_document"
    requester = api_for(aporg.tenant, aporg.org.requester)
    assert (
        requester.post(
            "/api/v1/invoices/", invoice_body(order, number="R-1"), format="json"
        ).status_code
        == 403
    )


def test_a_portal_invoice_with_a_date_that_is_no_date_is_drawn_again_with_the_reason(
    aporg: Any, in_tenant: Any, api_for: Any
) -> None:
    """An entry that is not a date or an amount is refused like any other input: the form
    comes back with the reason and nothing is received."""
    from weasyprint import HTML

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Desk", "2", "300.00")])
        line = order.lines.get()
        user = portal_user_of(aporg)
    web = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        web.force_login(user)
    entered = {
        "order": str(order.pk),
        "invoice_number": "D-9",
        "tax_rate": "19",
        f"qty-{line.pk}": "2",
        f"price-{line.pk}": "300",
    }
    for wrong in (
        {"invoice_date": "20.11.2026", "total": "714.00"},
        {"invoice_date": "2026-11-20", "total": "seven hundred"},
    ):
        pdf = SimpleUploadedFile("d9.pdf", HTML(string="<h1>D-9</h1>").write_pdf())
        response = web.post("/supplier-portal/invoices/submit/", {**entered, **wrong, "file": pdf})
        assert response.status_code == 200
        assert "Check the date (YYYY-MM-DD) and the amounts." in response.content.decode()
    with in_tenant(aporg.tenant):
        assert not Invoice.objects.filter(invoice_number="D-9").exists()


def test_supplier_sends_an_invoice_in_the_portal_and_sees_credit_requests(
    aporg: Any, in_tenant: Any, api_for: Any, receive: Any
) -> None:
    from weasyprint import HTML

    from apps.suppliers.models import Supplier

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Desk", "2", "300.00")])
        line = order.lines.get()
        user = portal_user_of(aporg)
        other = Supplier.objects.create(name="Northwind Traders", country="DE", status="approved")
        other_order = make_order(aporg, [("Lamp", "1", "20.00")], supplier=other)
    web = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        web.force_login(user)
    pdf = HTML(string="<h1>Invoice D-1</h1>").write_pdf()
    response = web.post(
        "/supplier-portal/invoices/submit/",
        {
            "order": str(order.pk),
            "invoice_number": "D-1",
            "invoice_date": "2026-11-20",
            "tax_rate": "19",
            "total": "714.00",
            f"qty-{line.pk}": "2",
            f"price-{line.pk}": "300",
            "file": SimpleUploadedFile("d1.pdf", pdf),
        },
    )
    assert response.status_code == 302, response.content[:500]
    with in_tenant(aporg.tenant):
        invoice = Invoice.objects.get(invoice_number="D-1")
        assert (invoice.channel, invoice.supplier, invoice.total, invoice.file_content_type) == (
            "portal",
            aporg.supplier,
            Decimal("714.00"),
            "application/pdf",
        )
        assert not invoice.exceptions.filter(code="tax_mismatch").exists()
    # another supplier's order is not offered, and cannot be invoiced by posting its id
    page = web.get("/supplier-portal/invoices/submit/").content.decode()
    assert order.number in page and other_order.number not in page
    web.post(
        "/supplier-portal/invoices/submit/",
        {
            "order": str(other_order.pk),
            "invoice_number": "X-1",
            "invoice_date": "2026-11-20",
            "total": "20",
            "file": SimpleUploadedFile("x.xml", b"<x/>"),
        },
    )
    with in_tenant(aporg.tenant):
        assert not Invoice.objects.filter(invoice_number="X-1").exists()
        receive(aporg, order, {1: "2"})
        from apps.matching.services.outcome import invoices_match

        invoices_match(invoice_ids=[invoice.pk])
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.APPROVED
    assert "D-1" in web.get("/supplier-portal/").content.decode()
    # the supplier's API sees its own invoices only
    api = api_for(aporg.tenant, user)
    assert [i["invoice_number"] for i in api.get("/api/v1/invoices/").json()["results"]] == ["D-1"]


def portal_user_of(aporg: Any) -> Any:
    """A supplier portal user of the org's supplier (as accepting an invitation grants)."""
    from apps.accounts.services import user_ensure
    from apps.suppliers.services.access import portal_access_grant
    from tests.conftest import PASSWORD

    user = user_ensure(
        email=f"billing@{aporg.tenant.slug}.test", password=PASSWORD, roles=["supplier"]
    )
    portal_access_grant(user, aporg.supplier)
    return user


def test_portal_lists_every_invoice_paged_and_only_its_own(
    aporg: Any, in_tenant: Any, api_for: Any
) -> None:
    from datetime import date

    from apps.invoices.duplicates import number_key
    from apps.suppliers.models import Supplier

    def add(supplier: Any, count: int, prefix: str) -> None:
        Invoice.objects.bulk_create(
            Invoice(
                supplier=supplier,
                invoice_number=f"{prefix}-{n:03d}",
                number_key=number_key(f"{prefix}{n}"),
                invoice_date=date(2026, 11, 1),
                currency="EUR",
                total=Decimal("10"),
                payable=Decimal("10"),
                lines_total=Decimal("10"),
                channel="api",
            )
            for n in range(count)
        )

    with in_tenant(aporg.tenant):
        user = portal_user_of(aporg)
        other = Supplier.objects.create(name="Northwind Traders", country="DE", status="approved")
        add(aporg.supplier, 5, "OWN")
        add(other, 3, "THEIRS")
    web = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        web.force_login(user)
    web.get("/supplier-portal/invoices/")  # per-process caches filled (alone, it runs first)
    few = count_queries(lambda: web.get("/supplier-portal/invoices/"))
    home = web.get("/supplier-portal/").content.decode()
    assert "OWN-004" in home and "THEIRS" not in home and 'data-testid="all-invoices"' not in home
    with in_tenant(aporg.tenant):
        add(aporg.supplier, 25, "MORE")  # 30 in all: more than the home and one page hold
    many = count_queries(lambda: web.get("/supplier-portal/invoices/"))
    assert many == few
    home = web.get("/supplier-portal/").content.decode()
    assert "All 30 invoices" in home
    shown = set()
    for page in (1, 2):
        body = web.get(f"/supplier-portal/invoices/?page={page}").content.decode()
        shown |= {n for n in (f"OWN-{i:03d}" for i in range(5)) if n in body}
        shown |= {n for n in (f"MORE-{i:03d}" for i in range(25)) if n in body}
        assert "THEIRS" not in body
    assert len(shown) == 30  # nothing left off
    assert web.get("/supplier-portal/purchase-orders/").status_code == 200
    staff = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        staff.force_login(aporg.clerk)
    assert staff.get("/supplier-portal/invoices/").status_code == 403


def test_a_resolution_that_does_not_fit_is_refused_in_words(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        _invoice, exception = price_exception(aporg, receive, number="PV-WORDS")
        with pytest.raises(InvalidTransition) as refused:
            exception_resolve(
                actor=aporg.clerk,
                exception_id=exception.pk,
                resolution="release_duplicate",
                comment="Not a duplicate.",
            )
        assert str(refused.value.detail) == (
            "“Not a duplicate: release” does not resolve “Price variance”."
        )


def test_the_history_says_whether_matching_held_the_invoice(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    import lxml.html

    from tests.integrations.conftest import signed_in

    with in_tenant(aporg.tenant):
        invoice, exception = price_exception(aporg, receive)
    browser = signed_in(aporg.tenant, aporg.clerk)

    def history() -> list[str]:
        page = lxml.html.fromstring(browser.get(f"/invoices/{invoice.pk}/").content)
        return [li.text_content() for li in page.xpath('//*[@data-testid="history"]/li')]

    [held] = [entry for entry in history() if "matched" in entry]
    assert held.endswith("Invoice matched with exceptions · " + invoice.policy_version)
    with in_tenant(aporg.tenant):
        exception_resolve(
            actor=aporg.clerk, exception_id=exception.pk, resolution="accept_variance"
        )
    labels = [entry.split(" · ")[2] for entry in history() if "matched" in entry]
    assert labels == ["Invoice matched and approved", "Invoice matched with exceptions"]
