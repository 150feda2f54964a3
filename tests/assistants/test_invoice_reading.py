"""Invoice reading (issue 33 item 2): generated invoices in four languages read to the exact
fields; a scan read by OCR; cross-checks; the extract API creates nothing; refusals."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

import pytest

from apps.assistants.models import Advice
from apps.assistants.reading.document import document_read
from apps.inbox.models import ReadingDraft
from apps.invoices.models import Invoice
from tests.assistants.conftest import assistant_policy
from tests.assistants.invoice_samples import Truth, render_pdf, render_png, truth_of
from tests.invoices.conftest import make_order

HEADER = (
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "po_number",
    "total",
    "tax_total",
    "net_total",
)


@cache
def sample(index: int) -> tuple[Truth, bytes]:
    truth = truth_of(33, index)
    return truth, render_pdf(truth)


def contoso_invoice(**change: Any) -> tuple[Truth, bytes]:
    """A German invoice of the fixtures' supplier (Contoso GmbH, DE136695976)."""
    truth = truth_of(33, 1)
    truth.supplier_name, truth.supplier_tax_id = "Contoso GmbH", "DE136695976"
    for key, value in change.items():
        setattr(truth, key, value)
    return truth, render_pdf(truth)


def upload(data: bytes, name: str = "invoice.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("index", [0, 1, 2, 3, 5, 10, 13, 19])  # EN DE FR ES, five layouts
def test_generated_pdfs_read_to_the_exact_fields(index: int) -> None:
    truth, pdf = sample(index)
    reading, extension = document_read(pdf)
    assert extension == "pdf" and reading.source == "text"
    assert {k: reading.fields[k] for k in HEADER} == {k: getattr(truth, k) for k in HEADER}
    assert reading.fields["supplier"]["tax_id"] == truth.supplier_tax_id
    assert reading.fields["supplier"]["name"] == truth.supplier_name
    assert [(line["description"], line["amount"]) for line in reading.fields["lines"]] == [
        (line["description"], line["amount"]) for line in truth.lines
    ]
    assert min(reading.confidence[k] for k in HEADER) >= 0.8 and not reading.findings


def test_a_scan_is_read_by_ocr() -> None:
    truth, pdf = sample(1)
    reading, extension = document_read(render_png(pdf))
    assert extension == "png" and reading.source == "ocr"
    assert reading.fields["invoice_number"] == truth.invoice_number
    assert reading.fields["invoice_date"] == truth.invoice_date
    assert reading.fields["total"] == truth.total


def test_the_api_reads_and_creates_nothing(
    aporg: Any, in_tenant: Any, api_for: Any, portal_user: Any
) -> None:
    truth, pdf = contoso_invoice()
    with in_tenant(aporg.tenant):
        before = (Invoice.objects.count(), ReadingDraft.objects.count())
    for user in (aporg.clerk, portal_user):
        answer = api_for(aporg.tenant, user).post(
            "/api/v1/invoices/extract/", {"file": upload(pdf)}, format="multipart"
        )
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert body["fields"]["invoice_number"] == truth.invoice_number
        assert body["fields"]["total"] == truth.total
        assert body["fields"]["supplier"]["id"] == str(aporg.supplier.pk)
        assert body["confidence"]["total"] >= 0.9 and body["model"]
    with in_tenant(aporg.tenant):
        assert (Invoice.objects.count(), ReadingDraft.objects.count()) == before
        assert Advice.objects.filter(assistant="invoice_reading").count() == 2
    # a requester neither processes invoices nor is a supplier
    refused = api_for(aporg.tenant, aporg.org.requester).post(
        "/api/v1/invoices/extract/", {"file": upload(pdf)}, format="multipart"
    )
    assert refused.status_code == 403


def _encrypted(pdf: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(out, format="PNG")
    return out.getvalue()


def test_refusals_are_clear_and_create_nothing(aporg: Any, in_tenant: Any, api_for: Any) -> None:
    from tests.pdfs import ACTIVE

    _truth, pdf = contoso_invoice()
    api = api_for(aporg.tenant, aporg.clerk)
    with in_tenant(aporg.tenant):
        before = (Invoice.objects.count(), ReadingDraft.objects.count(), Advice.objects.count())
    for data, code in (
        (ACTIVE["packed_escaped_js"][0], "active_pdf"),
        (_encrypted(pdf), "encrypted_pdf"),
        (_blank_png(), "no_text"),
        (b"just some text, not an invoice", "unsupported_media_type"),
    ):
        answer = api.post("/api/v1/invoices/extract/", {"file": upload(data)}, format="multipart")
        assert answer.json()["code"] == code and answer.json()["detail"], answer.content
        assert answer.status_code in (415, 422)
    with in_tenant(aporg.tenant):
        after = (Invoice.objects.count(), ReadingDraft.objects.count(), Advice.objects.count())
    assert after == before


def test_switched_off_in_the_policy_reads_nothing(aporg: Any, in_tenant: Any, api_for: Any) -> None:
    _truth, pdf = contoso_invoice()
    with in_tenant(aporg.tenant):
        assistant_policy(aporg.org, "invoice_reading", enabled=False)
    answer = api_for(aporg.tenant, aporg.clerk).post(
        "/api/v1/invoices/extract/", {"file": upload(pdf)}, format="multipart"
    )
    assert answer.status_code == 403 and answer.json()["code"] == "assistant_off"
    with in_tenant(aporg.tenant):
        assert not Advice.objects.exists()


def test_cross_checks_find_a_wrong_total_and_another_suppliers_po(
    aporg: Any, in_tenant: Any, api_for: Any, portal_user: Any
) -> None:
    from apps.suppliers.models import Supplier

    with in_tenant(aporg.tenant):
        other = Supplier.objects.create(
            name="Fabrikam AG",
            country="DE",
            tax_id="DE591400507",
            status=Supplier.Status.APPROVED,
            screening=Supplier.Screening.CLEAR,
        )
        theirs = make_order(aporg, [("Desk", "1", "100.00")], supplier=other)
    _truth, pdf = contoso_invoice(total="1.00", po_number=theirs.number)
    ap = (
        api_for(aporg.tenant, aporg.clerk)
        .post("/api/v1/invoices/extract/", {"file": upload(pdf)}, format="multipart")
        .json()
    )
    codes = {f["code"] for f in ap["findings"]}
    assert {"totals_disagree", "po_other_supplier"} <= codes
    assert ap["confidence"]["total"] < 0.8 and ap["confidence"]["po_number"] <= 0.5
    # the supplier learns only that it is not one of its orders: not whose, not that it exists
    mine = api_for(aporg.tenant, portal_user).post(
        "/api/v1/invoices/extract/", {"file": upload(pdf)}, format="multipart"
    )
    text = mine.content.decode()
    assert "po_not_yours" in text and "not one of your orders" in text
    assert "Fabrikam" not in text and str(theirs.pk) not in text and str(other.pk) not in text
    assert mine.json()["fields"]["purchase_order_id"] is None


def test_low_confidence_prefills_nothing_and_the_person_confirms(
    aporg: Any, in_tenant: Any, portal_user: Any
) -> None:
    from tests.integrations.conftest import signed_in

    truth, pdf = contoso_invoice()
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Dockingstation", "2", "100.00")], currency=truth.currency)
        assistant_policy(aporg.org, "invoice_reading", threshold=1.0)
    client = signed_in(aporg.tenant, portal_user)
    host: dict[str, str] = {}
    page = client.post("/supplier-portal/invoices/read/", {"file": upload(pdf)}, **host)
    html = page.content.decode()
    assert page.status_code == 200 and 'name="invoice_number" value=""' in html
    assert truth.invoice_number in html  # shown as the hint beside the empty field
    with in_tenant(aporg.tenant):
        assistant_policy(aporg.org, "invoice_reading", threshold=0.8)
    page = client.post("/supplier-portal/invoices/read/", {"file": upload(pdf)}, **host)
    html = page.content.decode()
    assert f'name="invoice_number" value="{truth.invoice_number}"' in html
    with in_tenant(aporg.tenant):
        advice = Advice.objects.order_by("-shown_at").first()
        assert Invoice.objects.count() == 0
    sent = client.post(
        "/supplier-portal/invoices/read/",
        {
            "action": "confirm",
            "advice_id": str(advice.pk),
            "invoice_number": truth.invoice_number,
            "invoice_date": truth.invoice_date,
            "currency": truth.currency,
            "total": "238.00",
            "tax_rate": "19",
            "purchase_order": str(order.pk),
            "line_count": "1",
            "line-0-description": "Dockingstation",
            "line-0-quantity": "2",
            "line-0-unit_price": "100.00",
        },
        **host,
    )
    assert sent.status_code == 302, sent.content.decode()[-2000:]
    with in_tenant(aporg.tenant):
        invoice = Invoice.objects.get()
        assert (invoice.invoice_number, invoice.supplier_id) == (
            truth.invoice_number,
            aporg.supplier.pk,
        )
        assert invoice.channel == "portal" and invoice.file
        advice.refresh_from_db()
        assert advice.status == "overridden"  # the total was changed
        assert set(advice.outcome_detail["changed"]) == {"total"}


def test_a_mailed_pdf_without_xml_waits_in_the_review_list(aporg: Any, in_tenant: Any) -> None:
    from apps.inbox.drafts import reading_draft_discard, reading_draft_file, reading_draft_read
    from apps.inbox.services import mail_receive
    from tests.inbox.conftest import TRUSTED_MTA  # noqa: F401  (the trusted upstream)
    from tests.inbox.test_mail import mail

    truth, pdf = contoso_invoice()
    with in_tenant(aporg.tenant):
        message = mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", ("scan.pdf", "application/pdf", pdf))),
            source="api",
        )
        assert message.status == "received" and not Invoice.objects.exists()
        draft = ReadingDraft.objects.get()
        assert draft.status == "review" and draft.supplier_id == aporg.supplier.pk
        assert draft.reading == {}  # read by a worker once the mail is committed
        reading_draft_read(draft.pk)
        draft.refresh_from_db()
        assert draft.reading["fields"]["invoice_number"] == truth.invoice_number
        assert message.attachments[0]["draft"] == str(draft.pk)
        invoice = reading_draft_file(
            actor=aporg.clerk,
            draft_id=draft.pk,
            form={
                "invoice_number": truth.invoice_number,
                "invoice_date": truth.invoice_date,
                "currency": truth.currency,
                "total": truth.total,
                "tax_rate": truth.tax_rate,
                "lines": truth.lines,
            },
        )
        draft.refresh_from_db()
        assert draft.status == "filed" and draft.invoice_id == invoice.pk
        assert invoice.channel == "email" and invoice.supplier_id == aporg.supplier.pk
        assert Advice.objects.get(pk=draft.advice_id).status == "followed"
        second = mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", ("again.pdf", "application/pdf", pdf))),
            source="api",
        )
        again = ReadingDraft.objects.get(mail=second)
        reading_draft_discard(actor=aporg.clerk, draft_id=again.pk, reason="sent twice")
        assert ReadingDraft.objects.get(pk=again.pk).status == "discarded"
        assert Invoice.objects.count() == 1


def test_only_ap_files_or_discards_a_draft(aporg: Any, in_tenant: Any) -> None:
    from apps.controls.refusals import PermissionRefused
    from apps.inbox.drafts import reading_draft_discard, reading_draft_file

    with in_tenant(aporg.tenant):
        for call in (
            lambda: reading_draft_file(actor=aporg.org.requester, draft_id=None, form={}),
            lambda: reading_draft_discard(actor=aporg.org.requester, draft_id=None, reason="x"),
        ):
            with pytest.raises(PermissionRefused):
                call()


@pytest.mark.parametrize(
    ("count", "rows"), [("2", 2), ("abc", 0), ("-3", 0), ("", 0), ("1000000000", 501)]
)
def test_the_read_forms_line_count_is_bounded(count: str, rows: int) -> None:
    """The form says how many line rows it posts; a forged count neither fails nor loops."""
    from django.test import RequestFactory

    from apps.assistants.reading.views import posted_form

    request = RequestFactory().post("/invoices/read/", {"line_count": count})
    assert len(posted_form(request)["lines"]) == rows


# numbers typed as each reader writes them: 1.5 at 823.04 makes 1234.56, no tax
TYPED = {
    "de": {"total": "1.234,56", "quantity": "1,5", "unit_price": "823,04", "tax_rate": "0"},
    "fr": {"total": "1 234,56", "quantity": "1,5", "unit_price": "823,04", "tax_rate": "0"},
    "en": {"total": "1,234.56", "quantity": "1.5", "unit_price": "823.04", "tax_rate": "0"},
}


def _in_format(language: str, plain: str) -> str:
    """A plain decimal as a form shows it for editing (no grouping) in `language`."""
    return plain if language == "en" else plain.replace(".", ",")


def _read_in(aporg: Any, in_tenant: Any, reader: Any, language: str, path: str) -> Any:
    """`reader`, who reads `language`, has the Contoso invoice read on `path`; the page
    answered and the advice shown."""
    from apps.accounts.models import User
    from tests.integrations.conftest import signed_in

    truth, pdf = contoso_invoice()
    with in_tenant(aporg.tenant):
        User.objects.filter(pk=reader.pk).update(language=language)
        assistant_policy(aporg.org, "invoice_reading", threshold=0.8)
    client = signed_in(aporg.tenant, reader)
    page = client.post(path, {"file": upload(pdf)})
    assert page.status_code == 200 and page["Content-Language"] == language
    html = page.content.decode()
    # what was read is pre-filled as the reader writes numbers
    assert f'name="total" value="{_in_format(language, truth.total)}"' in html
    first = truth.lines[0]
    assert f'value="{_in_format(language, first["unit_price"])}"' in html
    with in_tenant(aporg.tenant):
        advice = Advice.objects.order_by("-shown_at").first()
    return client, advice, truth


def _confirmed(advice: Any, truth: Truth, typed: dict[str, str], **more: str) -> dict[str, str]:
    return {
        "action": "confirm",
        "advice_id": str(advice.pk),
        "invoice_number": truth.invoice_number,
        "invoice_date": truth.invoice_date,
        "currency": "EUR",
        "total": typed["total"],
        "tax_rate": typed["tax_rate"],
        "line_count": "1",
        "line-0-description": "Dockingstation",
        "line-0-quantity": typed["quantity"],
        "line-0-unit_price": typed["unit_price"],
        **more,
    }


@pytest.mark.parametrize("language", ["de", "fr", "en"])
def test_a_supplier_sends_the_read_form_with_numbers_in_its_own_format(
    aporg: Any, in_tenant: Any, portal_user: Any, language: str
) -> None:
    from decimal import Decimal

    client, advice, truth = _read_in(
        aporg, in_tenant, portal_user, language, "/supplier-portal/invoices/read/"
    )
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Dockingstation", "1.5", "823.04")])
    sent = client.post(
        "/supplier-portal/invoices/read/",
        _confirmed(advice, truth, TYPED[language], purchase_order=str(order.pk)),
    )
    assert sent.status_code == 302, sent.content.decode()[-2000:]
    with in_tenant(aporg.tenant):
        invoice = Invoice.objects.get()
        line = invoice.lines.get()
        assert invoice.total == Decimal("1234.56") and invoice.channel == "portal"
        assert (line.quantity, line.unit_price) == (Decimal("1.5"), Decimal("823.04"))
        advice.refresh_from_db()
        # the reading's total is compared as a number, whatever format it was typed in
        assert advice.outcome_detail["changed"]["total"] == {
            "read": truth.total,
            "entered": "1234.56",
        }


def test_ap_reads_and_sends_in_german(aporg: Any, in_tenant: Any) -> None:
    from decimal import Decimal

    client, advice, truth = _read_in(aporg, in_tenant, aporg.clerk, "de", "/invoices/read/")
    form = _confirmed(advice, truth, TYPED["de"], supplier=str(aporg.supplier.pk))
    sent = client.post("/invoices/read/", form)
    assert sent.status_code == 302, sent.content.decode()[-2000:]
    with in_tenant(aporg.tenant):
        invoice = Invoice.objects.get()
        assert invoice.total == Decimal("1234.56")
        assert invoice.lines.get().unit_price == Decimal("823.04")


def test_a_number_not_in_the_readers_format_is_refused_in_words(
    aporg: Any, in_tenant: Any, portal_user: Any
) -> None:
    """A German reader's "1,234.56" is no German number: refused, saying what one looks like,
    and nothing is filed (not 1.23456, not 1234.56)."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    client, advice, truth = _read_in(
        aporg, in_tenant, portal_user, "de", "/supplier-portal/invoices/read/"
    )
    refused = client.post(
        "/supplier-portal/invoices/read/",
        _confirmed(advice, truth, {**TYPED["de"], "unit_price": "1,234.56"}),
        follow=True,
    )
    with translation.override("de"):
        hint = _("Enter a number, such as %(example)s.") % {"example": "1.234,56"}
    assert refused.status_code == 400 and hint in refused.content.decode()
    with in_tenant(aporg.tenant):
        assert not Invoice.objects.exists()


def test_ap_files_a_mailed_draft_with_german_numbers(aporg: Any, in_tenant: Any) -> None:
    """The review page of a mailed PDF's draft shares the read form: pre-filled and typed in
    the reader's format."""
    from decimal import Decimal

    from apps.accounts.models import User
    from apps.inbox.drafts import reading_draft_read
    from apps.inbox.services import mail_receive
    from tests.inbox.test_mail import mail
    from tests.integrations.conftest import signed_in

    truth, pdf = contoso_invoice()
    with in_tenant(aporg.tenant):
        User.objects.filter(pk=aporg.clerk.pk).update(language="de")
        mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", ("scan.pdf", "application/pdf", pdf))),
            source="api",
        )
        draft = ReadingDraft.objects.get()
        reading_draft_read(draft.pk)
    client = signed_in(aporg.tenant, aporg.clerk)
    page = client.get(f"/invoices/mail/drafts/{draft.pk}/")
    assert f'name="total" value="{_in_format("de", truth.total)}"' in page.content.decode()
    form = {**_confirmed(draft, truth, TYPED["de"]), "action": "file"}
    del form["advice_id"]
    filed = client.post(f"/invoices/mail/drafts/{draft.pk}/", form)
    assert filed.status_code == 302, filed.content.decode()[-2000:]
    with in_tenant(aporg.tenant):
        invoice = Invoice.objects.get()
        assert invoice.total == Decimal("1234.56") and invoice.channel == "email"
        assert invoice.lines.get().quantity == Decimal("1.5")


def test_the_api_answers_plain_decimals_to_a_german_reader(
    aporg: Any, in_tenant: Any, api_for: Any, portal_user: Any
) -> None:
    from apps.accounts.models import User

    truth, pdf = contoso_invoice()
    with in_tenant(aporg.tenant):
        User.objects.filter(pk=portal_user.pk).update(language="de")
    answer = api_for(aporg.tenant, portal_user).post(
        "/api/v1/invoices/extract/", {"file": upload(pdf)}, format="multipart"
    )
    assert answer.status_code == 200 and answer["Content-Language"] == "de"
    fields = answer.json()["fields"]
    assert fields["total"] == truth.total and "," not in fields["total"]
    assert [line["unit_price"] for line in fields["lines"]] == [
        line["unit_price"] for line in truth.lines
    ]
