"""Bank statements: the camt.054 a bank sends back for one of our own pain.001 runs marks exactly
those invoices paid; the same file again changes nothing; a wrong amount is listed, not
applied; a malformed file is refused with the element named and nothing applied; a camt.053
that books a run as one amount confirms the whole run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.services import user_ensure
from apps.controls.refusals import PermissionRefused
from apps.demo.bank import debit_notification, transfers
from apps.einvoices import InvalidDocument
from apps.events.models import OutboxEvent
from apps.invoices.models import Invoice
from apps.payments.models import BankStatement, PaymentRun, StatementEntry
from apps.payments.services.runs import payment_proposal_create, payment_run_release
from apps.payments.services.statements import statement_import
from tests.invoices.conftest import add_bank_account, invoice_body, make_order, validated

pytestmark = pytest.mark.usefixtures("fresh_factors")  # step-up: tests/mfa


def due(aporg: Any, receive: Any, number: str, quantity: int) -> Invoice:
    """Approved, due today, its supplier paid to an active account; amounts differ by
    quantity, so no two look like duplicates."""
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match

    order = make_order(aporg, [("Laptop stand", str(quantity), "45.00")])
    receive(aporg, order, {1: str(quantity)})
    created = invoice_create(actor=aporg.clerk, data=validated(invoice_body(order, number=number)))
    invoices_match(invoice_ids=[created.pk])
    created.refresh_from_db()
    assert created.status == Invoice.Status.APPROVED, list(created.exceptions.values("code"))
    Invoice.objects.filter(pk=created.pk).update(due_date=timezone.localdate())
    if not aporg.supplier.bank_accounts.filter(status="active").exists():
        add_bank_account(aporg.supplier, by=aporg.clerk)
    return created


def released(aporg: Any, receive: Any, *numbers: str) -> PaymentRun:
    for i, number in enumerate(numbers, start=1):
        due(aporg, receive, number, 3 + i * 7)
    [run] = payment_proposal_create(actor=aporg.clerk)
    releaser = user_ensure(email="releaser@a.test", password="x-pass-2026!", roles=["ap_manager"])
    return payment_run_release(actor=releaser, run_id=run.pk)


def read(actor: Any, data: bytes, name: str = "camt054.xml") -> dict[str, Any]:
    return statement_import(actor=actor, upload=SimpleUploadedFile(name, data))


def paid_events() -> int:
    return OutboxEvent.objects.filter(event_type="invoice.paid").count()


def test_a_camt054_of_our_own_run_marks_exactly_its_invoices_paid(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        run = released(aporg, receive, "ST-1", "AB-77")
        outside = due(aporg, receive, "ZX-903", 2)  # approved, due, in no released run
        notification = debit_notification(run.pain001, message_id="NTF-1")
        result = read(aporg.apmanager, notification)
        assert result["matched"] == 2 and result["unmatched"] == []
        assert result["invoices_paid"] == ["AB-77", "ST-1"]
        assert result["runs_paid"] == [run.number]
        run.refresh_from_db()
        assert run.status == PaymentRun.Status.PAID and "NTF-1" in run.confirmed_by
        statuses = dict(Invoice.objects.values_list("invoice_number", "status"))
        assert statuses["ST-1"] == statuses["AB-77"] == Invoice.Status.PAID
        outside.refresh_from_db()
        assert outside.status == Invoice.Status.APPROVED
        assert paid_events() == 2
        assert OutboxEvent.objects.filter(event_type="payment_run.paid").count() == 1
        # the same file again: nothing changes
        again = read(aporg.apmanager, notification)
        assert again["replay"] is True and again["matched"] == 2
        assert BankStatement.objects.count() == 1 and paid_events() == 2


def test_a_wrong_amount_is_listed_not_applied(aporg: Any, in_tenant: Any, receive: Any) -> None:
    with in_tenant(aporg.tenant):
        run = released(aporg, receive, "ST-4", "CD-21")
        (first, amount, _cur), (second, _a, _c) = transfers(run.pain001)
        short = debit_notification(
            run.pain001, message_id="NTF-2", amounts={first: amount - Decimal("10.00")}
        )
        result = read(aporg.apmanager, short)
        assert result["matched"] == 1
        [unmatched] = result["unmatched"]
        assert unmatched["entry"] == first
        assert (
            f"{amount - Decimal('10.00')}" in unmatched["reason"]
            and run.number in unmatched["reason"]
        )
        paid = Invoice.objects.get(payments__run=run, status=Invoice.Status.PAID)
        waiting = Invoice.objects.get(payments__run=run, status=Invoice.Status.APPROVED)
        assert paid.pk != waiting.pk
        run.refresh_from_db()
        assert run.status == PaymentRun.Status.RELEASED  # not every invoice is confirmed
        assert StatementEntry.objects.get(reference=first).outcome == "unmatched"
        # the bank's corrected statement: the rest is paid, what was paid is not paid twice
        result = read(aporg.apmanager, debit_notification(run.pain001, message_id="NTF-3"))
        assert (result["matched"], result["already_confirmed"]) == (1, 1)
        run.refresh_from_db()
        assert run.status == PaymentRun.Status.PAID
        assert paid_events() == 2
        assert second  # both transfers were in the file


def test_a_malformed_file_is_refused_with_the_element_named_and_nothing_applied(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        run = released(aporg, receive, "ST-6", "EF-93")
        from lxml import etree

        root = etree.fromstring(debit_notification(run.pain001))
        second = root.findall(".//{*}Ntry")[1]
        second.remove(second.find("{*}Amt"))  # the second entry lost its amount
        with pytest.raises(InvalidDocument) as refused:
            read(aporg.apmanager, etree.tostring(root))
        assert "Ntfctn[1]/Ntry[2]/Amt" in refused.value.errors
        with pytest.raises(InvalidDocument, match="camt"):
            read(
                aporg.apmanager,
                b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'/>",
            )
        with pytest.raises(InvalidDocument, match="line"):
            read(aporg.apmanager, b"<Document><unclosed></Document>")
        assert not BankStatement.objects.exists()
        assert not Invoice.objects.filter(status=Invoice.Status.PAID).exists()


def test_an_amount_no_column_keeps_or_a_made_up_currency_is_refused_naming_the_element(
    aporg: Any, in_tenant: Any, receive: Any, api_for: Any
) -> None:
    import re

    with in_tenant(aporg.tenant):
        run = released(aporg, receive, "ST-7")
        data = debit_notification(run.pain001)
        huge = re.sub(rb">[0-9.]+</Amt>", b">1e999</Amt>", data, count=1)
        with pytest.raises(InvalidDocument) as refused:
            read(aporg.apmanager, huge)
        assert "Ntfctn[1]/Ntry[1]/Amt" in refused.value.errors
        made_up = data.replace(b'Ccy="EUR"', b'Ccy="ZZZ"', 1)
        with pytest.raises(InvalidDocument, match="ZZZ"):
            read(aporg.apmanager, made_up)
    answer = api_for(aporg.tenant, aporg.apmanager).post(
        "/api/v1/payments/statements/", {"file": SimpleUploadedFile("c.xml", huge)}
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_document"
    with in_tenant(aporg.tenant):
        assert not BankStatement.objects.exists()
        assert not Invoice.objects.filter(status=Invoice.Status.PAID).exists()


def test_a_camt053_booking_the_run_as_one_amount_confirms_it(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        run = released(aporg, receive, "ST-8", "GH-50")
        statement = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-2026-11-28</MsgId><CreDtTm>2026-11-28T18:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>1</Id>
   <Ntry><Amt Ccy="EUR">{run.total}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-28</Dt></BookgDt>
    <NtryDtls><Btch><PmtInfId>{run.number}</PmtInfId><NbOfTxs>2</NbOfTxs></Btch></NtryDtls></Ntry>
   <Ntry><Amt Ccy="EUR">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-28</Dt></BookgDt></Ntry>
   <Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-28</Dt></BookgDt><NtryRef>CARD-4711</NtryRef></Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>""".encode()
        result = read(aporg.apmanager, statement, "camt053.xml")
        assert result["kind"] == "camt.053"
        assert (result["matched"], result["ignored"]) == (1, 1)  # the credit is not ours
        assert [u["entry"] for u in result["unmatched"]] == ["CARD-4711"]
        assert result["runs_paid"] == [run.number]
        assert set(
            Invoice.objects.filter(status="paid").values_list("invoice_number", flat=True)
        ) == {
            "ST-8",
            "GH-50",
        }


def test_only_who_releases_payments_reads_statements(
    aporg: Any, in_tenant: Any, receive: Any, api_for: Any
) -> None:
    with in_tenant(aporg.tenant):
        run = released(aporg, receive, "ST-10")
        data = debit_notification(run.pain001)
        with pytest.raises(PermissionRefused):
            read(aporg.clerk, data)
    refused = api_for(aporg.tenant, aporg.clerk).post(
        "/api/v1/payments/statements/", {"file": SimpleUploadedFile("c.xml", data)}
    )
    assert refused.status_code == 403
    manager = api_for(aporg.tenant, aporg.apmanager)
    answer = manager.post(
        "/api/v1/payments/statements/", {"file": SimpleUploadedFile("c.xml", data)}
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["matched"] == 1
    again = manager.post(
        "/api/v1/payments/statements/", {"file": SimpleUploadedFile("c.xml", data)}
    )
    assert again.status_code == 200 and again.json()["replay"] is True
    listed = manager.get("/api/v1/payments/statements/").json()
    assert listed["results"][0]["entries"][0]["outcome"] == "matched"
