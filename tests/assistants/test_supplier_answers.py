"""Supplier status answers: the four languages on fixed data (the expected payment date exact,
over bank holidays), what is missing in supplier-facing words, the cross-supplier probe, AP's
notes never shown, switched off, and the hand-over to AP with its reply."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.services import user_ensure
from apps.assistants.answers.phrases import phrase
from apps.assistants.answers.services import (
    AssistantSwitchedOff,
    supplier_question_ask,
    supplier_question_reply,
)
from apps.assistants.models import Advice, SupplierQuestion
from apps.controls.refusals import PermissionRefused
from apps.invoices.models import ExceptionComment, Invoice, InvoiceException
from apps.policies.models import PolicyVersion
from apps.suppliers.models import Supplier
from apps.suppliers.services.access import portal_access_grant
from tests.conftest import PASSWORD, host_of

DUE = date(2030, 4, 19)  # Good Friday: TARGET2 is closed that day and on Easter Monday
PAID_ON = "2030-04-23"


def invoice(supplier: Supplier, number: str, status: str, total: str, **extra: Any) -> Invoice:
    return Invoice.objects.create(
        supplier=supplier,
        invoice_number=number,
        number_key=number.lower(),
        invoice_date=date(2030, 3, 20),
        due_date=extra.pop("due_date", DUE),
        currency="EUR",
        total=Decimal(total),
        payable=Decimal(total),
        channel=Invoice.Channel.API,
        status=status,
        **extra,
    )


def portal_user(aporg: Any, supplier: Supplier, local: str) -> Any:
    user = user_ensure(
        email=f"{local}@{aporg.tenant.slug}.test", password=PASSWORD, roles=["supplier"]
    )
    portal_access_grant(user, supplier)
    return user


@pytest.fixture
def two(aporg: Any, in_tenant: Any) -> Any:
    with in_tenant(aporg.tenant):
        other = Supplier.objects.create(
            name="Fabrikam Tools SA", country="FR", status=Supplier.Status.APPROVED
        )
        invoice(aporg.supplier, "4711", Invoice.Status.APPROVED, "1190.00")
        invoice(
            aporg.supplier,
            "9001",
            Invoice.Status.APPROVED,
            "12345.67",
            due_date=date(2030, 6, 3),
            po_reference="PO-DE01-000777",
        )
        invoice(aporg.supplier, "5555", Invoice.Status.PAID, "777.77", due_date=date(2030, 5, 6))
        invoice(other, "5555", Invoice.Status.RECEIVED, "50.00", due_date=date(2030, 4, 30))
        return {
            "a": portal_user(aporg, aporg.supplier, "billing-a"),
            "b": portal_user(aporg, other, "billing-b"),
        }


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "where is my payment for 4711?",
            f"Invoice 4711: it is approved. We expect to pay it on {PAID_ON}.",
        ),
        (
            "wann wird Rechnung 4711 bezahlt?",
            f"Rechnung 4711: Sie ist freigegeben. Wir erwarten die Zahlung am {PAID_ON}.",
        ),
        (
            "statut de la facture 4711",
            f"Facture 4711 : elle est approuvée. Nous prévoyons de la payer le {PAID_ON}.",
        ),
        (
            "¿cuándo pagan la factura 4711?",
            f"Factura 4711: está aprobada. Prevemos pagarla el {PAID_ON}.",
        ),
    ],
)
def test_answers_in_four_languages_with_the_expected_payment_date(
    aporg: Any, two: Any, in_tenant: Any, question: str, answer: str
) -> None:
    with in_tenant(aporg.tenant):
        asked = supplier_question_ask(actor=two["a"], text=question)
        assert (asked.status, asked.answer) == (SupplierQuestion.Status.ANSWERED, answer)
        advice = Advice.objects.get(subject_type="supplier_question", subject_id=str(asked.pk))
        assert (advice.assistant, advice.shown_to) == ("supplier_answers", two["a"])
        assert advice.output["answered"] is True and advice.confidence == 0.9


def test_what_is_missing_in_supplier_words_never_an_internal_note(
    aporg: Any, two: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        held = invoice(aporg.supplier, "4712", Invoice.Status.EXCEPTION, "880.00")
        for code, category, detail in (
            ("not_received", "commercial_mismatch", "Line 1: 4 invoiced, 0 received."),
            ("amount_anomaly", "fraud_risk", "880.00 EUR is 4.2 standard deviations above"),
        ):
            exception = InvoiceException.objects.create(
                invoice=held,
                code=code,
                category=category,
                queue="ap",
                detail=detail,
                due_at="2030-01-01T00:00:00Z",
                resolution_comment="internal: check with legal",
            )
        ExceptionComment.objects.create(exception=exception, body="internal: supplier is slow")
        asked = supplier_question_ask(actor=two["a"], text="What is missing on invoice 4712?")
        assert asked.answer == (
            "Invoice 4712: we are reviewing it before it can be approved. "
            "We are waiting for the goods to be received on our side."
        )


def test_supplier_b_learns_nothing_of_supplier_a(aporg: Any, two: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        handed = phrase("en", "handed")
        answers = {
            text: supplier_question_ask(actor=two["b"], text=text)
            for text in (
                "where is my payment for 9001?",  # A's invoice
                "where is my payment for 9002?",  # nobody's
                "where is my payment for PO-DE01-000777?",  # A's order
                "when is invoice 5555 paid?",  # both have one
            )
        }
        probes = list(answers.values())
        assert {q.answer for q in probes[:3]} == {handed}
        assert {q.status for q in probes[:3]} == {SupplierQuestion.Status.HANDED_TO_AP}
        own = probes[3].answer
        assert own == (
            "Invoice 5555: we have received it and are checking it against the order. "
            "It is due on 2030-04-30; it is paid once it is approved."
        )
        for question in probes:
            for fact in (
                "12345.67",
                "777.77",
                "2030-06-03",
                "2030-05-06",
                "Contoso",
                "was paid",
                "We expect",
            ):
                assert fact not in question.answer
        advice = Advice.objects.filter(shown_to=two["b"]).values_list("output", flat=True)
        assert all(o["invoices"] in ([], ["5555"]) for o in advice)


def _publish_answers(enabled: bool) -> None:
    current = PolicyVersion.objects.filter(status="published").order_by("-number").first()
    document = {**current.document, "assistants": {"supplier_answers": {"enabled": enabled}}}
    PolicyVersion.objects.filter(pk=current.pk).update(document=document)


def _page(aporg: Any, user: Any) -> Client:
    page = Client(HTTP_HOST=host_of(aporg.tenant))
    assert page.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return page


def test_switched_off_there_is_no_box_and_the_endpoint_refuses(
    aporg: Any, two: Any, in_tenant: Any
) -> None:
    page = _page(aporg, two["a"])
    assert "Ask about an invoice or payment" in page.get("/supplier-portal/").content.decode()
    with in_tenant(aporg.tenant):
        _publish_answers(False)
    assert "Ask about an invoice or payment" not in page.get("/supplier-portal/").content.decode()
    refused = page.post("/supplier-portal/questions/", {"text": "where is my payment for 4711?"})
    assert refused.status_code == 404
    with in_tenant(aporg.tenant):
        with pytest.raises(AssistantSwitchedOff):
            supplier_question_ask(actor=two["a"], text="where is my payment for 4711?")
        assert not SupplierQuestion.objects.exists()


def test_a_question_handed_to_ap_is_replied_to_in_the_portal(
    aporg: Any, two: Any, in_tenant: Any
) -> None:
    supplier = _page(aporg, two["b"])
    asked = supplier.post(
        "/supplier-portal/questions/",
        {"text": "Can you send me your new VAT certificate?"},
        HTTP_HX_REQUEST="true",
    )
    assert phrase("en", "handed") in asked.content.decode()
    ap = _page(aporg, aporg.clerk)
    listing = ap.get("/supplier-questions/").content.decode()
    assert "Can you send me your new VAT certificate?" in listing and "Fabrikam" in listing
    with in_tenant(aporg.tenant):
        question = SupplierQuestion.objects.get()
        with pytest.raises(PermissionRefused):
            supplier_question_reply(actor=aporg.org.requester, question_id=question.pk, reply="x")
    assert "Questions from suppliers" in ap.get("/exceptions/").content.decode()
    ap.post(f"/supplier-questions/{question.pk}/reply/", {"reply": "Sent by e-mail today."})
    with in_tenant(aporg.tenant):
        question.refresh_from_db()
        assert (question.status, question.handled_by) == ("closed", aporg.clerk)
    assert "Sent by e-mail today." in supplier.get("/supplier-portal/").content.decode()
    # another supplier's user sees none of it
    assert (
        "Sent by e-mail today."
        not in _page(aporg, two["a"]).get("/supplier-portal/").content.decode()
    )


def test_a_supplier_who_finds_the_answer_wanting_asks_a_person(
    aporg: Any, two: Any, in_tenant: Any
) -> None:
    supplier = _page(aporg, two["a"])
    answered = supplier.post(
        "/supplier-portal/questions/",
        {"text": "where is my payment for 4711?"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-testid="ask-a-person"' in answered
    with in_tenant(aporg.tenant):
        question = SupplierQuestion.objects.get()
    # another supplier's user cannot hand it over (it is not theirs: not found)
    other = _page(aporg, two["b"])
    other.post(f"/supplier-portal/questions/{question.pk}/person/", HTTP_HX_REQUEST="true")
    with in_tenant(aporg.tenant):
        question.refresh_from_db()
        assert question.status == "answered"
    handed = supplier.post(
        f"/supplier-portal/questions/{question.pk}/person/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="ask-a-person"' not in handed
    with in_tenant(aporg.tenant):
        question.refresh_from_db()
        assert question.status == "handed_to_ap"
    assert (
        "where is my payment for 4711?"
        in _page(aporg, aporg.clerk).get("/supplier-questions/").content.decode()
    )


def test_the_ap_list_pages_and_its_queries_do_not_grow(
    aporg: Any, two: Any, in_tenant: Any
) -> None:
    from tests.conftest import count_queries

    ap = _page(aporg, aporg.clerk)

    def ask(n: int) -> None:
        with in_tenant(aporg.tenant):
            for i in range(n):
                SupplierQuestion.objects.create(
                    supplier=aporg.supplier,
                    asked_by=two["a"],
                    text=f"Question {i}",
                    answer="handed",
                    status=SupplierQuestion.Status.HANDED_TO_AP,
                    asked_at=timezone.now(),
                )

    ask(3)
    few = count_queries(lambda: ap.get("/supplier-questions/"))
    ask(60)
    assert count_queries(lambda: ap.get("/supplier-questions/")) == few
    first = ap.get("/supplier-questions/").content.decode()
    assert first.count('data-testid="reply"') == 50 and "Page 1 of 2" in first
    assert (
        ap.get("/supplier-questions/?waiting=2").content.decode().count('data-testid="reply"') == 13
    )
