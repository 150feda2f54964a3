"""A supplier user reads and acts for its own supplier only (django-guardian object
permissions): records, documents, bank details and purchase orders, in the API and pages."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.demo.suppliers import pdf_bytes
from apps.procurement.models import PurchaseOrder
from apps.procurement.services.requisitions import requisition_create, requisition_submit
from apps.suppliers.models import Supplier
from apps.suppliers.services.banking import bank_account_add
from apps.suppliers.services.documents import document_upload
from tests.conftest import PASSWORD
from tests.org import requisition_body
from tests.suppliers.conftest import complete_onboarding, invite, portal_user


def _supplier_with_everything(sorg: Any, name: str) -> tuple[Supplier, Any, Any, Any]:
    supplier = invite(sorg, name, email=f"ar@{name.split()[0].lower()}.test")
    user = portal_user(supplier)
    with transaction.atomic():
        document = document_upload(
            actor=user,
            supplier_id=supplier.pk,
            doc_type="w9",
            upload=SimpleUploadedFile("w9.pdf", pdf_bytes()),
        )
        account = bank_account_add(
            actor=user,
            supplier_id=supplier.pk,
            data={"account_holder": name, "iban": "DE89370400440532013000"},
        )
    # approved (and so compliant) without its onboarding route
    Supplier.objects.filter(pk=supplier.pk).update(
        status=Supplier.Status.APPROVED, compliance=Supplier.Compliance.COMPLIANT
    )
    requisition = requisition_create(
        actor=sorg.org.requester,
        data={**requisition_body("200.00"), "supplier": supplier.pk},
    )
    requisition_submit(actor=sorg.org.requester, requisition_id=requisition.pk)
    order = PurchaseOrder.objects.get(requisition=requisition)
    return supplier, user, document, (account, order)


def test_a_supplier_user_sees_only_its_own_supplier(
    sorg: Any, in_tenant: Any, api_for: Any, client: Any
) -> None:
    with in_tenant(sorg.tenant):
        mine, me, my_doc, (_my_account, my_order) = _supplier_with_everything(
            sorg, "Alpine Tools AG"
        )
        theirs, _them, their_doc, (_their_account, their_order) = _supplier_with_everything(
            sorg, "Boreal Metals Oy"
        )
    api = api_for(sorg.tenant, me)
    listed = api.get("/api/v1/suppliers/").json()
    assert [s["id"] for s in listed["results"]] == [str(mine.pk)]
    assert "risk_score" not in listed["results"][0]  # no risk or screening state for suppliers
    assert api.get(f"/api/v1/suppliers/{mine.pk}/").status_code == 200
    for url in (
        f"/api/v1/suppliers/{theirs.pk}/",
        f"/api/v1/suppliers/{theirs.pk}/documents/",
        f"/api/v1/suppliers/{theirs.pk}/documents/{their_doc.pk}/download/",
        f"/api/v1/suppliers/{theirs.pk}/bank-accounts/",
        f"/api/v1/purchase-orders/{their_order.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    assert (
        api.patch(f"/api/v1/suppliers/{theirs.pk}/", {"phone": "1"}, format="json").status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/suppliers/{theirs.pk}/bank-accounts/",
            {"account_holder": "x", "iban": "GB29NWBK60161331926819"},
            format="json",
        ).status_code
        == 404
    )
    assert api.post(f"/api/v1/purchase-orders/{their_order.pk}/acknowledge/").status_code == 404
    orders = api.get("/api/v1/purchase-orders/").json()["results"]
    assert [o["number"] for o in orders] == [my_order.number]
    acknowledged = api.post(f"/api/v1/purchase-orders/{my_order.pk}/acknowledge/")
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_at"]
    # internal lists are closed to supplier users
    for url in ("/api/v1/requisitions/", "/api/v1/bank-accounts/", "/api/v1/screening-hits/"):
        assert api.get(url).status_code == 403, url
    assert api.get("/api/v1/tasks/").json()["count"] == 0

    client.force_login(me)
    host = {"HTTP_HOST": "a.localhost"}
    portal = client.get("/supplier-portal/", **host)
    assert portal.status_code == 200
    text = portal.content.decode()
    assert "Alpine Tools AG" in text and "Boreal Metals Oy" not in text
    assert my_order.number in text and their_order.number not in text
    assert (
        client.get(f"/supplier-portal/documents/{my_doc.pk}/download/", **host).status_code == 200
    )
    assert (
        client.get(f"/supplier-portal/documents/{their_doc.pk}/download/", **host).status_code
        == 404
    )
    assert (
        client.get(f"/suppliers/{theirs.pk}/documents/{their_doc.pk}/download/", **host).status_code
        == 404
    )
    for page in (
        "/suppliers/",
        f"/suppliers/{mine.pk}/",
        "/requisitions/",
        "/suppliers/screening/",
    ):
        assert client.get(page, **host).status_code == 403, page
    assert client.get("/", **host)["Location"] == "/supplier-portal/"


def test_another_tenant_sees_none_of_it(
    sorg: Any, in_tenant: Any, api_for: Any, tenant_b: Any, make_user: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg, "Alpine Tools AG")
    buyer_b = make_user(tenant_b, "buyer", ["buyer"])
    api = api_for(tenant_b, buyer_b)
    assert api.get(f"/api/v1/suppliers/{supplier.pk}/").status_code == 404
    assert api.get("/api/v1/suppliers/").json()["count"] == 0


def test_the_portal_does_not_name_the_internal_verifiers(
    sorg: Any, in_tenant: Any, client: Any
) -> None:
    from apps.suppliers.services.banking import bank_account_record_callback

    with in_tenant(sorg.tenant):
        _supplier, me, _doc, (account, _order) = _supplier_with_everything(sorg, "Alpine Tools AG")
        Supplier.objects.filter(pk=account.supplier_id).update(phone="+41 44 555 0101")
        account.callback_phone = "+41 44 555 0101"
        account.save(update_fields=["callback_phone"])
        bank_account_record_callback(
            actor=sorg.clerk, account_id=account.pk, confirmed=True, note="ok"
        )
        client.force_login(me)
    page = client.get("/supplier-portal/", HTTP_HOST="a.localhost").content.decode()
    assert "•••• 3000" in page
    assert sorg.clerk.email not in page


def _shared_account_world(sorg: Any) -> tuple[Supplier, Supplier, Any]:
    """Tailspin holds IBAN …3000; Wingtip's portal user, signed up, will enter the same one."""
    first = invite(sorg, "Tailspin Parts GmbH")
    complete_onboarding(sorg, first)  # IBAN DE89 3704 0044 0532 0130 00
    second = invite(sorg, "Wingtip Toys GmbH", email="ap@wingtip.test")
    return first, second, portal_user(second)


def _invoice(sorg: Any, supplier: Supplier, number: str) -> Any:
    """An invoice AP enters for the supplier (no order: the checks on arrival still run)."""
    from apps.invoices.services.receive import invoice_create
    from tests.invoices.conftest import validated

    body = {
        "supplier": str(supplier.pk),
        "invoice_number": number,
        "invoice_date": timezone.localdate().isoformat(),
        "currency": "EUR",
        "lines": [{"description": "Toys", "quantity": "1", "unit_price": "100.00"}],
        "total": "100.00",
    }
    with transaction.atomic():
        return invoice_create(actor=sorg.clerk, data=validated(body))


def test_a_supplier_is_never_told_of_another_suppliers_account_invoice_or_suspicion(
    sorg: Any, in_tenant: Any, api_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    with in_tenant(sorg.tenant):
        first, second, user = _shared_account_world(sorg)
        theirs = _invoice(sorg, first, "INV-2026-100")
    # the portal user signs in on the page and enters the account Tailspin already has
    page = api_for(sorg.tenant)
    signed_in = page.post("/login/", {"username": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        entered = page.post(
            "/supplier-portal/bank-accounts/",
            {"account_holder": "Wingtip Toys", "iban": "DE89 3704 0044 0532 0130 00"},
        )
    assert entered.status_code == 302
    with in_tenant(sorg.tenant):
        account = second.bank_accounts.get()
        assert [o["name"] for o in account.shared_with] == ["Tailspin Parts GmbH"]
        # its invoice raises the suspicions, and looks like Tailspin's invoice
        mine = _invoice(sorg, second, "INV-2026-100")
        codes = set(mine.exceptions.values_list("code", flat=True))
        assert {"bank_account_shared", "duplicate_suspected"} <= codes
        assert mine.duplicate_of_id == theirs.pk
        from apps.suppliers.services.checks import supplier_checks_run

        assert supplier_checks_run(supplier_id=second.pk).risk_tier == "high"  # bank_shared
    told = page.get("/supplier-portal/").content.decode()
    assert "•••• 3000" in told and "We will call you on the number on file" in told
    # the API, signed in with the same user's token
    api = api_for(sorg.tenant, user)
    answers = {
        url: api.get(url)
        for url in (
            "/api/v1/suppliers/",
            f"/api/v1/suppliers/{second.pk}/",
            f"/api/v1/suppliers/{second.pk}/bank-accounts/",
            "/api/v1/invoices/",
            f"/api/v1/invoices/{mine.pk}/",
        )
    }
    again = api.post(
        f"/api/v1/suppliers/{second.pk}/bank-accounts/",
        {"account_holder": "Wingtip Toys", "iban": "DE89370400440532013000"},
        format="json",
    )
    assert again.status_code == 201 and again.json()["under_verification"] is True
    answers["POST bank-accounts"] = again
    # the shared account made it high risk: not the supplier's to learn, even by filtering
    for risk in ("high", "low"):
        by_risk = api.get(f"/api/v1/suppliers/?risk={risk}&compliance=compliant").json()
        assert [s["id"] for s in by_risk["results"]] == [str(second.pk)]
    (listed,) = answers[f"/api/v1/suppliers/{second.pk}/bank-accounts/"].json()
    assert listed["account"] == "•••• 3000" and listed["under_verification"] is True
    detail = answers[f"/api/v1/invoices/{mine.pk}/"].json()
    assert detail["duplicate_of"] is None
    assert {e["code"] for e in detail["exceptions"]}.isdisjoint(
        {"bank_account_shared", "duplicate_suspected", "sanctions_hit"}
    )
    assert all(e["category"] != "fraud_risk" for e in detail["exceptions"])
    (row,) = answers["/api/v1/invoices/"].json()["results"]
    assert row["duplicate_of"] is None and row["exceptions"] == detail["exceptions"]
    seen = [told, *(a.content.decode() for a in answers.values())]
    seen += [f"{m.subject}\n{m.body}" for m in mail.outbox if set(m.to) & {second.email}]
    for text in seen:
        assert "Tailspin" not in text
        assert "shared_with" not in text and "Also on file" not in text
        assert str(first.pk) not in text and str(theirs.pk) not in text
        assert "(•••• 3000)" not in text  # the other supplier's account, as the notice named it


def test_internal_reviewers_still_see_whom_an_account_is_shared_with(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(sorg.tenant):
        _first, second, user = _shared_account_world(sorg)
        with transaction.atomic():
            bank_account_add(
                actor=user,
                supplier_id=second.pk,
                data={"account_holder": "Wingtip Toys", "iban": "DE89370400440532013000"},
            )
        mine = _invoice(sorg, second, "INV-2026-7")
    for reviewer in (sorg.compliance, sorg.clerk):
        page = api_for(sorg.tenant)
        page.post("/login/", {"username": reviewer.email, "password": PASSWORD})
        shown = page.get(f"/suppliers/{second.pk}/").content.decode()
        assert "Also on file for" in shown and "Tailspin Parts GmbH (•••• 3000)" in shown
        api = api_for(sorg.tenant, reviewer)
        (account,) = api.get(f"/api/v1/suppliers/{second.pk}/bank-accounts/").json()
        assert [o["name"] for o in account["shared_with"]] == ["Tailspin Parts GmbH"]
        assert account["sharing_open"] is True
    codes = {
        e["code"]
        for e in api_for(sorg.tenant, sorg.clerk)
        .get(f"/api/v1/invoices/{mine.pk}/")
        .json()["exceptions"]
    }
    assert "bank_account_shared" in codes


def test_a_supplier_filing_another_sellers_invoice_is_told_the_file_not_our_records(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    """The refusal quotes the seller as the file names it: not the name on our record of the
    supplier with that tax id, nor whether there is one."""
    from apps.einvoices.csvfile import COLUMNS

    with in_tenant(sorg.tenant):
        first = invite(sorg, "Tailspin Parts GmbH", tax_id="DE136695976")
        second = invite(sorg, "Wingtip Toys GmbH", email="ap@wingtip.test")
        user = portal_user(second)
    api = api_for(sorg.tenant, user)
    answers = []
    for tax_id in ("DE136695976", "DE999999999"):  # on record for Tailspin / for nobody
        row = f"{tax_id},,INV-9,2026-11-02,,EUR,,,Toys,1,100.00,0,100.00"
        upload = SimpleUploadedFile("inv.csv", f"{','.join(COLUMNS)}\r\n{row}\r\n".encode())
        answers.append(api.post("/api/v1/invoices/import/", {"file": upload}))
    for answer, tax_id in zip(answers, ("DE136695976", "DE999999999"), strict=True):
        assert answer.status_code == 422 and answer.json()["code"] == "unknown_supplier"
        assert answer.json()["detail"] == (
            f"The invoice names {tax_id} as its seller, not you; upload only your own invoices."
        )
        assert first.name not in answer.content.decode()
