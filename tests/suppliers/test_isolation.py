"""A supplier user reads and acts for its own supplier only (django-guardian object
permissions): records, documents, bank details and purchase orders, in the API and pages."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from apps.demo.suppliers import pdf_bytes
from apps.procurement.models import PurchaseOrder
from apps.procurement.services.requisitions import requisition_create, requisition_submit
from apps.suppliers.models import Supplier
from apps.suppliers.services.banking import bank_account_add
from apps.suppliers.services.documents import document_upload
from tests.org import requisition_body
from tests.suppliers.conftest import invite, portal_user


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
    Supplier.objects.filter(pk=supplier.pk).update(status=Supplier.Status.APPROVED)
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
