"""The monthly control report with a frozen clock: made once per tenant and month however
often beat runs, its figures those of the seeded month, sent to admins and auditors, and the
user access review it includes."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from apps.assurance.access_review import access_review
from apps.assurance.compliance import monthly_compliance_report
from apps.assurance.models import ComplianceReport
from apps.controls.refusals import SoDViolation
from apps.invoices.models import Invoice
from apps.invoices.services.resolutions import exception_resolve
from apps.payments.services.runs import payment_proposal_create, payment_run_release
from apps.suppliers.models import Supplier
from tests.invoices.conftest import add_bank_account, invoice_body, make_order
from tests.invoices.test_exceptions import price_exception
from tests.invoices.test_matching import receive_and_match


def first_of_next_month() -> datetime:
    """The frozen clock: beat's run early on the 1st, so 'last month' is this month."""
    today = timezone.localdate()
    first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return timezone.make_aware(datetime.combine(first_next, datetime.min.time()).replace(hour=3))


def seed_month(aporg: Any, receive: Any) -> Invoice:
    # an override with its reason
    _invoice, exception = price_exception(aporg, receive, price="46.00", number="OV-1")
    exception_resolve(
        actor=aporg.clerk,
        exception_id=exception.pk,
        resolution="override",
        comment="Price agreed by phone with the buyer",
    )
    # a duplicate caught
    order = make_order(aporg, [("Cable", "10", "12.00")])
    receive(aporg, order, {1: "10"})
    receive_and_match(aporg, invoice_body(order, number="INV-77", quantities={1: "5"}))
    twin = receive_and_match(aporg, invoice_body(order, number="inv-0077", quantities={1: "5"}))
    assert twin.exceptions.filter(code="duplicate_suspected").exists()
    # a segregation-of-duties refusal: the approver of a variance may not release its payment
    add_bank_account(aporg.supplier, by=aporg.apmanager2)
    invoice, exception = price_exception(aporg, receive, number="SOD-1")
    exception_resolve(
        actor=aporg.apmanager, exception_id=exception.pk, resolution="accept_variance"
    )
    Invoice.objects.filter(pk=invoice.pk).update(due_date=invoice.invoice_date)
    [run] = payment_proposal_create(actor=aporg.clerk)
    with pytest.raises(SoDViolation):
        payment_run_release(actor=aporg.apmanager, run_id=run.pk)
    # a blocked supplier
    Supplier.objects.create(name="Shady Imports Ltd", country="GB", status="blocked")
    return twin


def test_monthly_report_once_per_tenant_with_the_months_figures(
    aporg: Any, in_tenant: Any, receive: Any, make_user: Any, tenant_b: Any
) -> None:
    auditor = make_user(aporg.tenant, "auditor", ["auditor"])
    both = make_user(aporg.tenant, "both", ["ap_clerk", "ap_manager"])  # bank + release
    make_user(tenant_b, "admin", ["tenant_admin"])
    frozen = first_of_next_month()
    with in_tenant(aporg.tenant):
        twin = seed_month(aporg, receive)
        mail.outbox.clear()
        first = monthly_compliance_report(now=frozen)
        again = monthly_compliance_report(now=frozen + timedelta(hours=24))  # next day's beat
        assert first is not None and again is None
        assert ComplianceReport.objects.count() == 1
        f = first.figures
        assert f["period"][0] == timezone.localdate().replace(day=1).isoformat()
        assert f["approvals"]["outside_policy"] == 1
        (override,) = f["overrides"]
        assert override["invoice"] == "OV-1" and override["by"] == aporg.clerk.email
        assert override["reason"] == "Price agreed by phone with the buyer"
        assert f["duplicates"]["count"] == 1
        assert f["duplicates"]["value"] == {"EUR": str(twin.total)}
        assert [r["action"] for r in f["sod_refusals"]] == ["payment_run.release_refused"]
        assert f["suppliers"]["blocked"] == ["Shady Imports Ltd"]
        conflicts = {c["email"]: c["conflicts"] for c in f["access_review"]["conflicts"]}
        assert any("verify_bank_details + release_payments" in c for c in conflicts[both.email])
        assert f["exceptions"]["resolved_by_category"]["commercial_mismatch"] >= 2
        assert f["exceptions"]["open_at_end"]["data_quality"]["open"] == 1  # the duplicate
        assert set(first.emailed_to) >= {aporg.org.admin.email, auditor.email}
        rows = list(csv.reader(io.StringIO(_read(first.csv_file))))
        assert ["duplicates", "value EUR", str(twin.total)] in rows
    (message,) = mail.outbox
    assert {name for name, _c, _t in message.attachments} == {
        f"controls-{first.period_start:%Y-%m}.pdf",
        f"controls-{first.period_start:%Y-%m}.csv",
    }
    with in_tenant(tenant_b):  # the other tenant gets its own, once
        assert monthly_compliance_report(now=frozen) is not None
        assert monthly_compliance_report(now=frozen) is None
        assert ComplianceReport.objects.get().figures["duplicates"]["count"] == 0


def _read(path: str) -> str:
    from django.core.files.storage import default_storage

    with default_storage.open(path, "rb") as handle:
        return handle.read().decode()


def test_access_review_names_conflicting_roles(aporg: Any, in_tenant: Any, make_user: Any) -> None:
    both = make_user(aporg.tenant, "both", ["ap_clerk", "ap_manager"])
    with in_tenant(aporg.tenant):
        rows = {row.email: row for row in access_review()}
    assert rows[both.email].conflicts == [
        "verify_bank_details + release_payments (ap_clerk, ap_manager)"
    ]
    assert rows[both.email].conflicts_in_words == [
        "Can verify and approve supplier bank changes + Can approve invoices for payment "
        "(AP clerk, AP manager)"
    ]
    assert rows[aporg.clerk.email].conflicts == []
    assert rows[aporg.apmanager.email].conflicts == []


def test_auditor_pages_for_reports_access_and_policies(
    aporg: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    auditor = make_user(aporg.tenant, "auditor", ["auditor"])
    make_user(aporg.tenant, "both", ["ap_clerk", "ap_manager"])
    web = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        web.force_login(auditor)
    review = web.get("/audit/access-review/?format=csv")
    assert review["Content-Disposition"].startswith("attachment")
    assert "verify_bank_details + release_payments" in review.content.decode()
    page = web.get("/audit/access-review/").content.decode()
    assert "Can approve invoices for payment (AP clerk, AP manager)" in page
    assert "release_payments" not in page and "ap_manager" not in page
    assert web.post("/audit/reports/").status_code == 302  # on demand, allowed to auditors
    with in_tenant(aporg.tenant):
        report = ComplianceReport.objects.get(trigger="on_demand")
    pdf = web.get(f"/audit/reports/{report.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    history = web.get("/audit/policies/").content.decode()
    assert "v1" in history and "first version" in history
    document = web.get("/audit/policies/1/").content.decode()
    assert "access_conflicts" in document and "verify_bank_details" in document
    requester = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        requester.force_login(aporg.org.requester)
    for path in ("/audit/access-review/", "/audit/policies/", f"/audit/reports/{report.pk}/pdf/"):
        assert requester.get(path).status_code == 403


def test_period_pack_lists_the_months_controls(
    aporg: Any, in_tenant: Any, receive: Any, make_user: Any
) -> None:
    from apps.assurance.packs import evidence_pack_build, evidence_pack_request
    from tests.assurance.test_packs import flat, pack_bytes, pdf_text

    auditor = make_user(aporg.tenant, "auditor", ["auditor"])
    with in_tenant(aporg.tenant):
        seed_month(aporg, receive)
        today = timezone.localdate()
        pack = evidence_pack_request(
            actor=auditor, period_start=today.replace(day=1), period_end=today
        )
        pack = evidence_pack_build(pack.pk)
    assert pack.status == "ready" and pack.chain_valid
    text = flat(pdf_text(pack_bytes(aporg.org, in_tenant, pack)))
    for expected in (
        "OverridesEvents1",  # the override, counted in its section
        "Segregation-of-dutiesrefusalsEvents1",
        "Priceagreedbyphonewiththebuyer",
        "payment_run.release_refused",
        "Duplicatescaught",
        "inv-0077",
    ):
        assert expected in text, expected


def test_invoice_and_order_packs_tell_their_story(
    aporg: Any, in_tenant: Any, receive: Any, make_user: Any
) -> None:
    from apps.assurance.packs import evidence_pack_build, evidence_pack_request
    from tests.assurance.test_packs import flat, pack_bytes, pdf_text

    auditor = make_user(aporg.tenant, "auditor", ["auditor"])
    with in_tenant(aporg.tenant):
        invoice, exception = price_exception(aporg, receive, price="46.00", number="PK-1")
        exception_resolve(
            actor=aporg.buyer, exception_id=exception.pk, resolution="accept_variance"
        )
        order_number = invoice.purchase_order.number
        packs = [
            evidence_pack_build(
                evidence_pack_request(actor=auditor, subject_type=kind, subject_id=str(key)).pk
            )
            for kind, key in (
                ("invoice", invoice.pk),
                ("purchase_order", invoice.purchase_order_id),
            )
        ]
    invoice_text = flat(pdf_text(pack_bytes(aporg.org, in_tenant, packs[0])))
    for expected in ("InvoicePK-1", "price_variance", "accept_variance", aporg.buyer.email):
        assert expected in invoice_text, expected
    order_text = flat(pdf_text(pack_bytes(aporg.org, in_tenant, packs[1])))
    assert order_number in order_text
    assert "Goodsreceipts" in order_text and "GR-" in order_text  # its receipt
    assert "PK-1" in order_text and aporg.receiver.email in order_text


def test_a_control_report_asked_for_in_german_has_german_dates(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    from datetime import date

    from django.core.files.storage import default_storage
    from django.utils import translation
    from django.utils.translation import gettext as _

    from apps.assurance.compliance import compliance_report_generate
    from tests.assurance.test_packs import flat, pdf_text

    auditor = make_user(aporg.tenant, "pruefer", ["auditor"])
    with in_tenant(aporg.tenant), translation.override("de"):
        report = compliance_report_generate(
            start=date(2026, 11, 1), end=date(2026, 11, 30), trigger="on_demand", actor=auditor
        )
        assert report is not None
        with default_storage.open(report.pdf_file, "rb") as handle:
            text = flat(pdf_text(handle.read()))
        heading = _("Control report %(a)s to %(b)s") % {"a": "01.11.2026", "b": "30.11.2026"}
    assert heading != "Control report 01.11.2026 to 30.11.2026"  # a German catalog entry
    assert flat(heading) in text and "2026-11-01" not in text


def test_the_control_report_reads_in_words_of_the_readers_language(
    aporg: Any, in_tenant: Any, receive: Any, make_user: Any
) -> None:
    """Read in German, the PDF names conflicting capabilities and roles by their German labels,
    the refused release by its payment run's number, categories by their labels and money in
    its currency: no capability, role or category code and no UUID (the CSV keeps the codes)."""
    from django.core.files.storage import default_storage
    from django.utils import translation

    from apps.accounts.roles import CAPABILITY_LABELS, ROLE_LABELS
    from apps.assurance.compliance import compliance_report_generate, previous_month
    from apps.portal.labels import label
    from tests.assurance.test_packs import flat, pdf_text
    from tests.portal.test_words import UUID

    auditor = make_user(aporg.tenant, "pruefer", ["auditor"])
    make_user(aporg.tenant, "both", ["ap_clerk", "ap_manager"])  # bank + release
    start, end = previous_month(first_of_next_month())
    with in_tenant(aporg.tenant):
        twin = seed_month(aporg, receive)
        with translation.override("de"):
            report = compliance_report_generate(
                start=start, end=end, trigger="on_demand", actor=auditor, notify=False
            )
            assert report is not None
            with default_storage.open(report.pdf_file, "rb") as handle:
                raw = pdf_text(handle.read())
            words = [
                str(CAPABILITY_LABELS["verify_bank_details"]),
                str(CAPABILITY_LABELS["release_payments"]),
                str(ROLE_LABELS["ap_clerk"]),
                label("commercial_mismatch", "exception_category"),
            ]
        run = report.figures["sod_refusals"][0]
        stored_csv = _read(report.csv_file)
    assert words[0] != "Can verify and approve supplier bank changes"  # a German catalog entry
    text = flat(raw)
    for shown in words:
        assert flat(shown) in text, shown
    for code in ("verify_bank_details", "release_payments", "ap_clerk", "commercial_mismatch"):
        assert code not in text, code
    assert not UUID.findall(raw) and run["subject"] not in text
    assert flat(f"{twin.total:.2f}".replace(".", ",") + " EUR") in text  # German money
    assert "verify_bank_details + release_payments" in stored_csv
