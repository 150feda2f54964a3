"""Inbound ERP events (`POST /api/v1/erp/events/`, CONTRACT §3): signed with the connection's
secret, applied once per webhook-id, refused with their codes, kept as dead letters when they
cannot be applied, and re-applied once the cause is fixed."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from apps.events.models import OutboxEvent
from apps.integrations.models import InboundEvent
from apps.integrations.services.access import erp_connection_create, erp_connection_rotate_secret
from apps.invoices.models import Invoice, InvoiceException
from apps.payments.models import ErpPayment
from apps.suppliers.models import Supplier
from tests.integrations.conftest import approved_invoice, erp_post, signed_in

pytestmark = pytest.mark.django_db


def _connect(aporg: Any, in_tenant: Any, **data: Any) -> tuple[Any, str]:
    with in_tenant(aporg.tenant):
        return erp_connection_create(actor=aporg.org.admin, data={"name": "Finance ERP", **data})


def _pay(invoice: Invoice, amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "invoice_number": invoice.invoice_number,
        "supplier_tax_id": "DE136695976",
        "amount": amount,
        "currency": invoice.currency,
        "paid_on": "2026-11-27",
        "reference": "BANK-1",
        **extra,
    }


def test_a_payment_is_applied_once_however_often_it_is_sent(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    _connection, secret = _connect(aporg, in_tenant)
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-1")
    client = api_for(aporg.tenant)
    first = erp_post(
        client,
        secret,
        "payment.executed",
        _pay(invoice, str(invoice.payable)),
        message_id="msg_pay_1",
    )
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "applied" and first.json()["result"]["outcome"] == "paid"
    for _again in range(2):  # the ERP retries: same id, no second effect
        replay = erp_post(
            client,
            secret,
            "payment.executed",
            _pay(invoice, str(invoice.payable)),
            message_id="msg_pay_1",
        )
        assert replay.status_code == 200 and replay.json()["replay"] is True
    with in_tenant(aporg.tenant):
        invoice.refresh_from_db()
        assert invoice.status == "paid" and invoice.paid_at is not None
        assert ErpPayment.objects.filter(invoice=invoice).count() == 1
        paid = OutboxEvent.objects.filter(event_type="invoice.paid", subject_id=str(invoice.pk))
        assert paid.count() == 1
        assert paid.get().payload["amount"] == str(invoice.payable)
        assert InboundEvent.objects.count() == 1
    page = signed_in(aporg.tenant, aporg.clerk).get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Paid in the ERP" in page and "BANK-1" in page


def test_refusals_have_their_codes_and_keep_nothing(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    _connection, secret = _connect(aporg, in_tenant)
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-2")
    client = api_for(aporg.tenant)
    body = _pay(invoice, "10.00")
    other = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    bad = erp_post(client, other, "payment.executed", body)
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_signature"
    odd = client.post(
        "/api/v1/erp/events/",
        data={"type": "x"},
        format="json",
        HTTP_WEBHOOK_ID="msg_1",
        HTTP_WEBHOOK_TIMESTAMP=str(int(time.time())),
        HTTP_WEBHOOK_SIGNATURE="v1,ünïcode",
    )
    assert odd.status_code == 401 and odd.json()["code"] == "invalid_signature"
    unsigned = client.post("/api/v1/erp/events/", data={"type": "x"}, format="json")
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "invalid_signature"
    stale = erp_post(client, secret, "payment.executed", body, at=int(time.time()) - 301)
    assert stale.status_code == 401 and stale.json()["code"] == "stale_timestamp"
    future = erp_post(client, secret, "payment.executed", body, at=int(time.time()) + 301)
    assert future.json()["code"] == "stale_timestamp"
    assert (
        erp_post(client, secret, "payment.executed", body, at=int(time.time()) - 290).status_code
        == 200
    )  # inside 5 minutes
    unknown = erp_post(client, secret, "invoice.deleted", {"invoice": str(invoice.pk)})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_event_type"
    with in_tenant(aporg.tenant):
        assert InboundEvent.objects.count() == 1  # only the one inside 5 minutes


def test_partial_payments_add_up_and_an_overpayment_is_an_exception(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    _connection, secret = _connect(aporg, in_tenant)
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-3")
        over = approved_invoice(aporg, receive, "ERP-4", quantity="9")
    client = api_for(aporg.tenant)
    half = (invoice.payable / 2).quantize(Decimal("0.01"))
    partial = erp_post(client, secret, "payment.executed", _pay(invoice, str(half)))
    assert partial.json()["result"]["outcome"] == "partial"
    with in_tenant(aporg.tenant):
        invoice.refresh_from_db()
        assert invoice.status == "approved"
    rest = erp_post(client, secret, "payment.executed", _pay(invoice, str(invoice.payable - half)))
    assert rest.json()["result"]["outcome"] == "paid"
    too_much = erp_post(client, secret, "payment.executed", _pay(over, str(over.payable + 1)))
    assert too_much.status_code == 200 and too_much.json()["result"]["outcome"] == "exception"
    wrong_currency = erp_post(
        client, secret, "payment.executed", _pay(invoice, "5.00", currency="USD")
    )
    assert wrong_currency.json()["result"]["outcome"] == "exception"
    with in_tenant(aporg.tenant):
        invoice.refresh_from_db()
        over.refresh_from_db()
        assert invoice.status == "paid" and over.status == "approved"
        raised = InvoiceException.objects.get(invoice=over)
        assert raised.code == "erp_payment_mismatch" and raised.queue == "ap"
        assert str(over.payable) in raised.detail
        assert OutboxEvent.objects.filter(
            event_type="invoice.exception_raised", subject_id=str(over.pk)
        ).exists()
        assert InvoiceException.objects.get(invoice=invoice).code == "erp_payment_mismatch"


def test_a_payment_of_an_invoice_not_approved_here_is_an_exception(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    _connection, secret = _connect(aporg, in_tenant)
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-5")
        Invoice.objects.filter(pk=invoice.pk).update(status="pending_approval")
    answer = erp_post(api_for(aporg.tenant), secret, "payment.executed", _pay(invoice, "10.00"))
    assert answer.json()["result"]["outcome"] == "exception"
    with in_tenant(aporg.tenant):
        assert InvoiceException.objects.get(invoice=invoice).code == "erp_payment_unapproved"
        assert Invoice.objects.get(pk=invoice.pk).status == "pending_approval"


def test_posting_is_recorded_and_a_dead_letter_is_applied_once_its_cause_is_fixed(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    _connection, secret = _connect(aporg, in_tenant)
    client, admin = api_for(aporg.tenant), api_for(aporg.tenant, aporg.org.admin)
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-6")
    posted = erp_post(
        client,
        secret,
        "invoice.posted",
        {"invoice": str(invoice.pk), "erp_document": "FI-5100000777"},
    )
    assert posted.status_code == 200
    again = erp_post(
        client,
        secret,
        "invoice.posted",
        {"invoice": str(invoice.pk), "erp_document": "FI-5100000999"},
    )
    assert again.status_code == 202 and "FI-5100000777" in again.json()["reason"]
    early = erp_post(
        client, secret, "payment.executed", {**_pay(invoice, "100.00"), "invoice_number": "LATE-1"}
    )
    assert early.status_code == 202
    assert early.json()["status"] == "failed" and "No such invoice" in early.json()["reason"]
    letters = admin.get("/api/v1/erp-events/?status=failed").json()
    assert letters["count"] == 2
    page = admin_page(aporg, api_for)
    assert "No such invoice" in page and "FI-5100000777" in page
    shown = signed_in(aporg.tenant, aporg.clerk).get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Posted in the ERP as FI-5100000777" in shown
    with in_tenant(aporg.tenant):
        invoice.refresh_from_db()
        assert invoice.erp_document_number == "FI-5100000777" and invoice.posted_at
        late = approved_invoice(aporg, receive, "LATE-1", quantity="8")
    failed_id = early.json()["id"]
    reapplied = admin.post(f"/api/v1/erp-events/{failed_id}/reapply/")
    assert reapplied.status_code == 200 and reapplied.json()["status"] == "applied"
    assert admin.post(f"/api/v1/erp-events/{failed_id}/reapply/").status_code == 409
    refused = api_for(aporg.tenant, aporg.clerk).post(f"/api/v1/erp-events/{failed_id}/reapply/")
    assert refused.status_code == 403
    discarded = admin.post(
        f"/api/v1/erp-events/{again.json()['id']}/discard/", {"reason": "typo in the ERP"}
    )
    assert discarded.json()["status"] == "discarded"
    with in_tenant(aporg.tenant):
        assert ErpPayment.objects.get(invoice=late).amount == Decimal("100.00")
        from apps.audit.models import AuditEvent

        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {"invoice.posted", "erp_event.reapplied", "erp_event.discarded"} <= actions


def admin_page(aporg: Any, api_for: Any) -> str:
    return signed_in(aporg.tenant, aporg.org.admin).get("/settings/integrations/").content.decode()


def test_a_connection_limited_to_a_legal_entity_does_not_touch_others(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    _connection, secret = _connect(aporg, in_tenant, legal_entities=["US01"])
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-7")  # DE01
    answer = erp_post(
        api_for(aporg.tenant), secret, "payment.executed", _pay(invoice, str(invoice.payable))
    )
    assert answer.status_code == 202 and "outside this connection" in answer.json()["reason"]
    with in_tenant(aporg.tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == "approved"


def test_suppliers_arrive_into_onboarding_and_bank_details_never(
    aporg: Any,
    in_tenant: Any,
    api_for: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _connection, secret = _connect(aporg, in_tenant)
    client = api_for(aporg.tenant)
    record = {
        "external_id": "V-2001",
        "name": "Nordwind GmbH",
        "country": "DE",
        "tax_id": "DE136695976",
        "email": "ap@nordwind.example",
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = erp_post(client, secret, "supplier.upserted", record)
    assert created.status_code == 200 and created.json()["result"]["outcome"] == "created"
    renamed = erp_post(client, secret, "supplier.upserted", {**record, "name": "Nordwind AG"})
    assert renamed.json()["result"]["outcome"] == "updated"
    with_bank = erp_post(
        client, secret, "supplier.upserted", {**record, "iban": "DE89370400440532013000"}
    )
    assert with_bank.status_code == 202 and "bank change control" in with_bank.json()["reason"]
    with in_tenant(aporg.tenant):
        supplier = Supplier.objects.get(erp_reference="V-2001")
        assert supplier.name == "Nordwind AG" and supplier.status == "invited"
        assert not supplier.bank_accounts.exists()
    assert any("ap@nordwind.example" in m.to for m in mailoutbox)  # invited to onboard


def test_tenants_and_rotated_secrets(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any, tenant_b: Any
) -> None:
    connection, old = _connect(aporg, in_tenant)
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-8")
    body = {"invoice": str(invoice.pk), "erp_document": "FI-1"}
    elsewhere = erp_post(api_for(tenant_b), old, "invoice.posted", body)
    assert elsewhere.status_code == 401  # another tenant's connection is unknown here
    with in_tenant(aporg.tenant), transaction.atomic():
        _c, new = erp_connection_rotate_secret(actor=aporg.org.admin, connection_id=connection.pk)
    assert erp_post(api_for(aporg.tenant), old, "invoice.posted", body).status_code == 200
    with in_tenant(aporg.tenant):
        from apps.integrations.models import ErpConnection

        ErpConnection.objects.filter(pk=connection.pk).update(
            previous_secret_until="2020-01-01T00:00:00Z"
        )
    after = erp_post(api_for(aporg.tenant), old, "invoice.posted", body)
    assert after.status_code == 401
    assert erp_post(api_for(aporg.tenant), new, "invoice.posted", body).status_code == 200


def test_an_invoice_the_erp_paid_leaves_proposed_runs_and_is_never_paid_twice(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    from apps.payments.models import PaymentRun
    from apps.payments.services.runs import payment_proposal_create, payment_run_confirm

    _connection, secret = _connect(aporg, in_tenant)
    with in_tenant(aporg.tenant):
        alone = approved_invoice(aporg, receive, "RUN-1")
        Invoice.objects.filter(pk=alone.pk).update(due_date="2026-01-01")
        with transaction.atomic():
            (run,) = payment_proposal_create(actor=aporg.clerk)
        assert run.payments.count() == 1
    paid = erp_post(
        api_for(aporg.tenant), secret, "payment.executed", _pay(alone, str(alone.payable))
    )
    assert paid.json()["result"]["left_payment_runs"] == [run.number]
    with in_tenant(aporg.tenant):
        run.refresh_from_db()
        assert run.status == "cancelled" and run.total == 0 and not run.payments.exists()
        # a run already released: the bank's confirmation skips what the ERP paid meanwhile
        second = approved_invoice(aporg, receive, "RUN-2", quantity="9")
        Invoice.objects.filter(pk=second.pk).update(due_date="2026-01-01")
        with transaction.atomic():
            (released,) = payment_proposal_create(actor=aporg.clerk)
        PaymentRun.objects.filter(pk=released.pk).update(status="released")
    erp_post(api_for(aporg.tenant), secret, "payment.executed", _pay(second, str(second.payable)))
    with in_tenant(aporg.tenant):
        with transaction.atomic():
            payment_run_confirm(actor=aporg.apmanager, run_id=released.pk)
        assert PaymentRun.objects.get(pk=released.pk).status == "paid"
        assert (
            OutboxEvent.objects.filter(event_type="invoice.paid", subject_id=str(second.pk)).count()
            == 1
        )


def _signed_raw(client: Any, secret: str, body: bytes, *, at: int | None = None) -> Any:
    """A body sent as it is (no json.dumps), signed as an ERP would sign it."""
    import uuid

    from apps.integrations.webhooks.signing import headers

    signed = headers([secret], f"msg_{uuid.uuid4().hex}", at or int(time.time()), body)
    return client.post(
        "/api/v1/erp/events/",
        data=body,
        content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.items()},
    )


def test_hostile_bodies_and_headers_get_a_4xx_with_a_code_and_keep_nothing(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    from apps.controls.refusals import ValidationFailed

    _connection, secret = _connect(aporg, in_tenant)
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "ERP-H1")
    client = api_for(aporg.tenant)
    url = "/api/v1/erp/events/"
    form = client.post(url, {"type": "payment.executed", "data": "x"}, format="multipart")
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    torn = client.post(url, b"--x\r\nnot a part", content_type="multipart/form-data")
    assert torn.status_code == 400 and torn.json()["code"] == "bad_request"
    for stamp in ("²", "9" * 5000):  # str.isdigit() admits both; int() refuses both
        odd = client.post(
            url,
            data={"type": "x", "data": {}},
            format="json",
            HTTP_WEBHOOK_ID="msg_odd",
            HTTP_WEBHOOK_TIMESTAMP=stamp,
            HTTP_WEBHOOK_SIGNATURE="v1,AAAA",
        )
        assert odd.status_code == 401 and odd.json()["code"] == "invalid_signature", stamp[:9]
    far = erp_post(client, secret, "payment.executed", _pay(invoice, "1.00"), at=10**399)
    assert far.status_code == 401 and far.json()["code"] in ("invalid_signature", "stale_timestamp")
    nul = erp_post(client, secret, "payment.executed", _pay(invoice, "1.00", reference="A\x00B"))
    assert nul.status_code == 400 and nul.json()["code"] == "parse_error"
    # a lone surrogate in a key the handler does not read: the JSONB column cannot take it
    lone = erp_post(client, secret, "payment.executed", _pay(invoice, "1.00", note="\ud800"))
    assert lone.status_code == 400 and lone.json()["code"] == "parse_error"
    deep = b'{"type": "payment.executed", "data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    nested = _signed_raw(client, secret, deep)
    assert nested.status_code == 400 and nested.json()["code"] == "parse_error"
    cases = {
        "data.amount": _pay(invoice, "1e999"),
        "data.currency": _pay(invoice, "1.00", currency="eur"),
        "data.paid_on": _pay(invoice, "1.00", paid_on="0001-01-01"),
        "data.invoice_number": _pay(invoice, "1.00", invoice_number="ERP\u200b-H1"),
    }
    for field, data in cases.items():
        refused = erp_post(client, secret, "payment.executed", data)
        assert refused.status_code == ValidationFailed.status, (field, refused.content)
        assert refused.json()["code"] == "validation_error"
        assert list(refused.json()["errors"]) == [field]
    too_long = erp_post(
        client, secret, "invoice.posted", {"invoice": str(invoice.pk), "erp_document": "F" * 61}
    )
    assert too_long.status_code == ValidationFailed.status
    assert too_long.json()["errors"] == {
        "data.erp_document": ["At most 60 characters; this one has 61."]
    }
    with in_tenant(aporg.tenant):
        assert InboundEvent.objects.count() == 0
        invoice.refresh_from_db()
        assert invoice.status == "approved" and invoice.erp_document_number == ""
    whole = erp_post(
        client, secret, "invoice.posted", {"invoice": str(invoice.pk), "erp_document": "F" * 60}
    )
    assert whole.status_code == 200 and whole.json()["result"]["erp_document"] == "F" * 60


def test_a_supplier_name_with_a_bidi_override_from_the_erp_is_a_dead_letter_not_a_supplier(
    aporg: Any, in_tenant: Any, api_for: Any
) -> None:
    _connection, secret = _connect(aporg, in_tenant)
    data = {
        "external_id": "V-77",
        "name": "Contoso \u202eHbmG",  # shows as "Contoso GmbH" reversed in part
        "country": "DE",
        "email": "ar@contoso-erp.test",
    }
    answer = erp_post(api_for(aporg.tenant), secret, "supplier.upserted", data)
    assert answer.status_code == 202 and "invisible" in answer.json()["reason"]
    with in_tenant(aporg.tenant):
        assert not Supplier.objects.filter(erp_reference="V-77").exists()
