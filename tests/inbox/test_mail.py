"""E-mail intake: a real SMTP conversation with the listener files a UBL attachment as an
invoice; the same Message-ID again creates nothing; unknown senders, mail without usable
attachments, executable attachments and oversize mail wait in the quarantine (the last two as
metadata only); AP assigns or discards what waits there; a mail service may POST raw MIME."""

from __future__ import annotations

import hashlib
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from apps.audit.models import AuditEvent
from apps.controls.refusals import InvalidTransition, ValidationFailed
from apps.inbox.models import MailMessage
from apps.inbox.services import mail_assign, mail_discard, mail_receive
from apps.inbox.smtp import listener
from apps.invoices.models import Invoice
from apps.suppliers.models import Supplier
from apps.tenancy.context import tenant_context
from tests.conftest import free_port, host_of
from tests.integrations.conftest import signed_in
from tests.invoices.conftest import committed_ap

from .conftest import TRUSTED_MTA

PEPPOL = Path(__file__).resolve().parents[1] / "invoices" / "data" / "peppol"
FACTURX_XML = Path(__file__).resolve().parents[1] / "invoices" / "data" / "factur-x.xml"
# the official example, sold by Contoso (its VAT id) so the seller is the sender's supplier
UBL = (PEPPOL / "base-example.xml").read_bytes().replace(b"GB1232434", b"DE136695976")


def mail(
    sender: str,
    to: str,
    *attachments: tuple[str, str, bytes],
    subject: str = "Invoice Snippet1",
    message_id: str | None = None,
    verified: bool = True,
) -> EmailMessage:
    """A mail; `verified`: as the trusted upstream MTA (conftest.py) passes it to us, with its
    DMARC pass for the From domain."""
    message = EmailMessage()
    if verified:
        domain = parseaddr(sender)[1].rpartition("@")[2]
        message["Authentication-Results"] = f"{TRUSTED_MTA}; dmarc=pass header.from={domain}"
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = message_id or make_msgid(domain="contoso.test")
    message.set_content("Please find our invoice attached.")
    for name, content_type, data in attachments:
        main, sub = content_type.split("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return message


def test_a_real_smtp_conversation(
    committed_org: dict[str, Any], django_db_blocker: Any, settings: Any
) -> None:
    settings.MAIL_MAX_BYTES = 200_000
    address = f"invoices@{committed_org['host']}"
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():
            supplier = committed_ap(committed_org).supplier
            Supplier.objects.filter(pk=supplier.pk).update(email="billing@contoso.test")
        port = free_port()
        controller = listener("127.0.0.1", port)
        controller.start()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                first = mail(
                    "Contoso Billing <billing@contoso.test>",
                    address,
                    ("Snippet1.xml", "application/xml", UBL),
                )
                smtp.send_message(first)
                # the same message again (a retrying MTA): nothing new
                smtp.send_message(first)
                # nobody we know
                smtp.send_message(
                    mail("someone@example.org", address, ("x.xml", "application/xml", UBL))
                )
                # an executable, named like a PDF: refused, only described
                with pytest.raises(smtplib.SMTPDataError) as refused:
                    smtp.send_message(
                        mail(
                            "billing@contoso.test",
                            address,
                            ("invoice.pdf", "application/pdf", b"MZ\x90\x00" + b"\x00" * 4000),
                            subject="Executable",
                        )
                    )
                assert refused.value.smtp_code == 554
                with pytest.raises(smtplib.SMTPDataError) as too_big:
                    smtp.send_message(
                        mail(
                            "billing@contoso.test",
                            address,
                            ("big.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * 250_000),
                            subject="Too big",
                        )
                    )
                assert too_big.value.smtp_code == 552
                with pytest.raises(smtplib.SMTPRecipientsRefused):
                    smtp.sendmail("billing@contoso.test", ["ap@" + committed_org["host"]], b"x")
        finally:
            controller.stop()

        [invoice] = Invoice.objects.all()
        assert (invoice.channel, invoice.invoice_number, invoice.supplier_id) == (
            "email",
            "Snippet1",
            supplier.pk,
        )
        assert invoice.file_sha256 == hashlib.sha256(UBL).hexdigest()
        received = MailMessage.objects.get(status="received")
        assert received.message_id == first["Message-ID"].strip("<>")
        assert received.file and default_storage.exists(received.file)
        assert received.attachments[0]["invoices"][0]["number"] == "Snippet1"
        with default_storage.open(received.file, "rb") as kept:
            assert hashlib.sha256(kept.read()).hexdigest() == received.sha256
        assert MailMessage.objects.count() == 4
        unknown = MailMessage.objects.get(reason="unknown_sender")
        assert unknown.status == "quarantined" and unknown.file
        for reason in ("forbidden_attachment", "oversize"):
            refused_mail = MailMessage.objects.get(reason=reason)
            assert refused_mail.status == "quarantined"
            assert refused_mail.file == ""  # described, not kept
        executable = MailMessage.objects.get(reason="forbidden_attachment")
        assert executable.attachments[0]["name"] == "invoice.pdf"
        assert executable.attachments[0]["kind"] == ""
        assert AuditEvent.objects.filter(action="mail_message.quarantined").count() == 3


def test_quarantine_assign_and_discard(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        unknown = mail_receive(
            raw=bytes(mail("ar@new-address.test", "x", ("i.xml", "application/xml", UBL))),
            source="api",
        )
        assert (unknown.status, unknown.reason) == ("quarantined", "unknown_sender")
        assert not Invoice.objects.exists()
        with pytest.raises(ValidationFailed):
            mail_assign(actor=aporg.clerk, mail_id=unknown.pk, supplier_id=None)
        mail_assign(actor=aporg.clerk, mail_id=unknown.pk, supplier_id=aporg.supplier.pk)
        unknown.refresh_from_db()
        assert unknown.status == "assigned" and unknown.decided_by == aporg.clerk
        [invoice] = Invoice.objects.all()
        assert invoice.supplier == aporg.supplier and invoice.channel == "email"
        with pytest.raises(InvalidTransition):
            mail_assign(actor=aporg.clerk, mail_id=unknown.pk, supplier_id=aporg.supplier.pk)

        bare = mail_receive(raw=bytes(mail("billing@contoso.test", "x")), source="api")
        assert (bare.status, bare.reason) == ("quarantined", "no_attachment")
        with pytest.raises(ValidationFailed):
            mail_discard(actor=aporg.clerk, mail_id=bare.pk, reason=" ")
        mail_discard(actor=aporg.clerk, mail_id=bare.pk, reason="A reminder, not an invoice")
        bare.refresh_from_db()
        assert bare.status == "discarded" and bare.decision_note == "A reminder, not an invoice"
        assert AuditEvent.objects.filter(
            action="mail_message.discarded", subject_id=str(bare.pk)
        ).exists()


def test_what_cannot_be_filed_under_the_sender_waits(aporg: Any, in_tenant: Any) -> None:
    from weasyprint import HTML

    with in_tenant(aporg.tenant):
        other = Supplier.objects.create(
            name="Other Seller", country="DE", tax_id="DE999999999", email="ar@other.test"
        )
        foreign = UBL.replace(b"DE136695976", b"DE999999999")
        plain = HTML(string="<p>Invoice 12</p>").write_pdf()
        held = mail_receive(
            raw=bytes(
                mail(
                    "billing@contoso.test",
                    "x",
                    ("other.xml", "application/xml", foreign),
                    ("scan.pdf", "application/pdf", plain),
                )
            ),
            source="api",
        )
        assert (held.status, held.reason) == ("quarantined", "unreadable")
        problems = [row["problem"] for row in held.attachments]
        # the PDF without e-invoice data waits in the review list, read into a draft
        assert "Other Seller" in problems[0] and not problems[1]
        assert held.attachments[1]["draft"]
        assert not Invoice.objects.exists() and other.pk

        shared = Supplier.objects.create(
            name="Contoso Services", country="DE", email="billing@contoso.test"
        )
        twice = mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", ("i.xml", "application/xml", UBL))),
            source="api",
        )
        assert (twice.status, twice.reason) == ("quarantined", "sender_ambiguous")
        assert "Contoso Services" in twice.detail and shared.pk


def test_a_mailed_active_pdf_is_quarantined_and_not_kept(aporg: Any, in_tenant: Any) -> None:
    from facturx import generate_from_binary
    from weasyprint import HTML

    from tests.pdfs import ACTIVE

    with in_tenant(aporg.tenant):
        held = mail_receive(
            raw=bytes(
                mail(
                    "billing@contoso.test",
                    "x",
                    ("i.pdf", "application/pdf", ACTIVE["packed_escaped_js"][0]),
                )
            ),
            source="api",
        )
        assert (held.status, held.reason) == ("quarantined", "forbidden_attachment")
        assert "active PDF" in held.attachments[0]["problem"]
        assert "JavaScript" in held.detail and not held.file
        # a Factur-X PDF carries its XML as an embedded file: that is no reason to refuse it
        facturx = generate_from_binary(
            HTML(string="<h1>Invoice</h1>").write_pdf(), FACTURX_XML.read_bytes(), check_xsd=False
        )
        filed = mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", ("fx.pdf", "application/pdf", facturx))),
            source="api",
        )
        assert filed.attachments[0]["kind"] == "pdf" and filed.reason != "forbidden_attachment"
        assert "active" not in (filed.attachments[0]["problem"] or "")


def test_raw_mime_by_api_and_the_quarantine_page(
    aporg: Any, in_tenant: Any, api_for: Any, make_user: Any
) -> None:
    raw = bytes(mail("billing@contoso.test", "x", ("i.xml", "application/xml", UBL)))
    client = api_for(aporg.tenant, aporg.clerk)
    first = client.generic("POST", "/api/v1/invoices/mail/", raw, content_type="message/rfc822")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "received"
    again = client.generic("POST", "/api/v1/invoices/mail/", raw, content_type="message/rfc822")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    requester = make_user(aporg.tenant, "req", ["requester"])
    assert (
        api_for(aporg.tenant, requester)
        .generic("POST", "/api/v1/invoices/mail/", raw, content_type="message/rfc822")
        .status_code
        == 403
    )
    with in_tenant(aporg.tenant):
        assert Invoice.objects.filter(channel="email").count() == 1
        waiting = mail_receive(
            raw=bytes(mail("x@unknown.test", "x", ("i.xml", "application/xml", UBL))),
            source="api",
        )
    browser = signed_in(aporg.tenant, aporg.clerk)
    page = browser.get("/invoices/mail/")
    assert page.status_code == 200 and b"x@unknown.test" in page.content
    assert f"invoices@{host_of(aporg.tenant)}".encode() in page.content
    detail = browser.get(f"/invoices/mail/{waiting.pk}/")
    assert b"assign-form" in detail.content
    answer = browser.post(
        f"/invoices/mail/{waiting.pk}/", {"action": "assign", "supplier": aporg.supplier.pk}
    )
    assert answer.status_code == 302
    with in_tenant(aporg.tenant):
        waiting.refresh_from_db()
        assert waiting.status == "assigned"
    assert signed_in(aporg.tenant, requester).get("/invoices/mail/").status_code == 403


def test_insights_count_mail_as_its_own_channel(aporg: Any, in_tenant: Any) -> None:
    from zoneinfo import ZoneInfo

    from apps.controls.periods import period_of
    from apps.insights.figures import insights_figures
    from apps.matching.services.outcome import invoices_match

    with in_tenant(aporg.tenant):
        for snippet in (b"Snippet1", b"Snippet2"):
            body = UBL.replace(b"Snippet1", snippet)
            mail_receive(
                raw=bytes(mail("billing@contoso.test", "x", ("i.xml", "application/xml", body))),
                source="api",
            )
        # matched as the worker would (insights count decided invoices)
        mailed = Invoice.objects.filter(channel="email").values_list("pk", flat=True)
        invoices_match(invoice_ids=list(mailed))
        figures = insights_figures(aporg.apmanager, period_of(None, None, ZoneInfo("UTC")))
        by_channel = figures["invoices"]["by_channel"]
        # each was raised on arrival (no PO quoted, the seller's tax id differs from the
        # example's): both counted as received by e-mail with exceptions
        assert by_channel["email"] == {"received": 2, "exceptions": 2, "exception_rate": 1.0}
        assert "ubl" not in by_channel


def test_a_signature_logo_and_a_photo_do_not_hold_the_invoice(aporg: Any, in_tenant: Any) -> None:
    import io

    from PIL import Image

    def image(kind: str) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (4, 4), "red").save(out, format=kind)
        return out.getvalue()

    message = mail(
        "billing@contoso.test",
        "x",
        ("i.xml", "application/xml", UBL),
        ("delivery-note.jpg", "image/jpeg", image("JPEG")),
    )
    message.get_body(("plain",)).add_related(  # type: ignore[union-attr]
        image("PNG"), maintype="image", subtype="png", cid="<logo@contoso.test>"
    )
    with in_tenant(aporg.tenant):
        kept = mail_receive(raw=bytes(message), source="api")
        assert (kept.status, kept.reason) == ("received", "")
        assert [row["name"] for row in kept.attachments] == ["i.xml", "delivery-note.jpg"]
        assert kept.attachments[1]["kind"] == "image" and kept.file
        assert Invoice.objects.filter(channel="email").count() == 1
        only_photo = mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", ("scan.jpg", "image/jpeg", image("JPEG")))),
            source="api",
        )
        assert (only_photo.status, only_photo.reason) == ("quarantined", "no_attachment")
        assert only_photo.file  # harmless: kept for AP to look at


def test_the_mail_page_offers_only_what_the_mail_allows(aporg: Any, in_tenant: Any) -> None:
    executable = ("invoice.pdf", "application/pdf", b"MZ\x90\x00" + b"\x00" * 4000)
    with in_tenant(aporg.tenant):
        refused = mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", executable)), source="api"
        )
        assert (refused.status, refused.reason, refused.file) == (
            "quarantined",
            "forbidden_attachment",
            "",
        )
        bare = mail_receive(raw=bytes(mail("billing@contoso.test", "x")), source="api")
        waiting = mail_receive(
            raw=bytes(mail("x@unknown.test", "x", ("i.xml", "application/xml", UBL))),
            source="api",
        )
    browser = signed_in(aporg.tenant, aporg.clerk)
    for unassignable in (refused, bare):
        page = browser.get(f"/invoices/mail/{unassignable.pk}/").content
        assert b"assign-form" not in page and b"Assign to this supplier" not in page
        assert b"discard-form" in page and b'data-testid="not-assignable"' in page
    page = browser.get(f"/invoices/mail/{waiting.pk}/").content
    assert b"assign-form" in page and b"not-assignable" not in page
    browser.post(
        f"/invoices/mail/{refused.pk}/",
        {"action": "discard", "reason": "malware", "confirmation": "given"},
    )
    page = browser.get(f"/invoices/mail/{refused.pk}/").content
    assert b"assign-form" not in page and b"discard-form" not in page


def test_the_raw_mime_api_takes_mail_up_to_the_documented_size(
    aporg: Any, api_for: Any, settings: Any
) -> None:
    """Mail up to MAIL_MAX_BYTES (25 MB) is taken, as a raw body or a multipart file; a body
    beyond it (and the framing's room) is refused with 413 and a code before it is read."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_for(aporg.tenant, aporg.clerk)
    large = mail("billing@contoso.test", "x", ("i.xml", "application/xml", UBL))
    large.add_attachment(b"A" * 6_000_000, maintype="text", subtype="plain", filename="notes.txt")
    raw = bytes(large)
    assert len(raw) > 5_600_000
    taken = client.generic("POST", "/api/v1/invoices/mail/", raw, content_type="message/rfc822")
    assert taken.status_code == 201, taken.content
    again = client.post(
        "/api/v1/invoices/mail/",
        {"file": SimpleUploadedFile("m.eml", raw, "message/rfc822")},
        format="multipart",
    )
    assert again.status_code == 200 and again.json()["id"] == taken.json()["id"]
    too_large = b"X" * (settings.MAIL_MAX_BYTES + 70_000)
    refused = client.generic(
        "POST", "/api/v1/invoices/mail/", too_large, content_type="message/rfc822"
    )
    assert refused.status_code == 413 and refused.json()["code"] == "payload_too_large"


def test_mail_intake_is_counted_by_result(aporg: Any, in_tenant: Any) -> None:
    from prometheus_client import REGISTRY

    def counted(result: str) -> float:
        return REGISTRY.get_sample_value("spendgate_mail_intake_total", {"result": result}) or 0.0

    raw = bytes(mail("someone@unknown.test", "x", ("i.xml", "application/xml", UBL)))
    with in_tenant(aporg.tenant):
        first = mail_receive(raw=raw, source="api")
        reason = first.reason
        assert reason  # an unknown sender waits in quarantine
        before, duplicates = counted(reason), counted("duplicate")
        mail_receive(raw=raw, source="api")  # the same Message-ID again
        assert counted("duplicate") == duplicates + 1
        mail_receive(
            raw=bytes(mail("someone@unknown.test", "x", ("j.xml", "application/xml", UBL))),
            source="api",
        )
        assert counted(reason) == before + 1
