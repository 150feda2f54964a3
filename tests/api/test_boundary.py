"""What every request must be before a view sees it: no NUL characters, bounded bodies, HEAD
never a write, error bodies that name fields in words (CONTRACT §3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.demo.suppliers import pdf_bytes
from apps.suppliers.models import BankAccount, SupplierDocument
from tests.conftest import host_of
from tests.suppliers.conftest import invite, portal_user

pytestmark = pytest.mark.django_db

LIST_PATHS = [
    "/api/v1/suppliers/?q=a%00b",
    "/api/v1/requisitions/?status=a%00b",
    "/api/v1/invoices/?status=%00",
    "/api/v1/exceptions/?code=x%00",
    "/api/v1/audit-events/?subject_type=a%00",
    "/api/v1/tasks/?status=%00",
]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_a_nul_in_a_query_parameter_is_a_clear_400(
    path: str, tenant_a: Any, make_user: Any, api_for: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin", "ap_manager"]))
    response = api.get(path)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_a_nul_on_a_list_page_and_in_a_form_field_is_a_400(
    tenant_a: Any, make_user: Any, in_tenant: Any
) -> None:
    client = Client(HTTP_HOST=host_of(tenant_a))
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a):
        client.force_login(admin)
    for page in ("/suppliers/?q=a%00b", "/requisitions/?status=%00", "/audit/?action=%00"):
        assert client.get(page).status_code == 400, page
    posted = client.post("/suppliers/invite/", {"name": "Nul\x00 GmbH", "email": "a@b.test"})
    assert posted.status_code == 400


def test_a_nul_inside_a_json_string_is_refused(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"]))
    response = api.post(
        "/api/v1/users/", {"email": "nul\x00@tenanta.test", "roles": ["buyer"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_torn_multipart_body_is_a_400_with_a_code(
    tenant_a: Any, make_user: Any, api_for: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    torn = api.post(
        "/api/v1/requisitions/", b"--x\r\nnot a part", content_type="multipart/form-data"
    )
    assert torn.status_code == 400 and torn.json()["code"] == "bad_request"


def test_oversize_and_deeply_nested_json_are_refused(
    tenant_a: Any, make_user: Any, api_for: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    big = json.dumps({"title": "x" * (20 * 1024 * 1024)})
    response = api.post("/api/v1/requisitions/", big, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    deep = "[" * 100_000 + "]" * 100_000
    response = api.post("/api/v1/requisitions/", deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    nested = json.dumps({"title": "[" * 40 + "]" * 40, "lines": json.loads("[" * 40 + "]" * 40)})
    response = api.post("/api/v1/requisitions/", nested, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_head_with_a_body_writes_nothing(sorg: Any, in_tenant: Any, api_for: Any) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        user = portal_user(supplier)
    api = api_for(sorg.tenant, user)
    accounts = api.generic(
        "HEAD",
        f"/api/v1/suppliers/{supplier.pk}/bank-accounts/",
        json.dumps({"account_holder": "Tailspin", "iban": "DE89370400440532013000"}),
        content_type="application/json",
    )
    documents = api.generic(
        "HEAD",
        f"/api/v1/suppliers/{supplier.pk}/documents/",
        json.dumps({"doc_type": "w9"}),
        content_type="application/json",
    )
    assert accounts.status_code == documents.status_code == 200
    with in_tenant(sorg.tenant):
        assert not BankAccount.objects.filter(supplier=supplier).exists()
        assert not SupplierDocument.objects.filter(supplier=supplier).exists()


def test_an_upload_above_the_memory_limit_keeps_its_idempotency_key(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        user = portal_user(supplier)
    api = api_for(sorg.tenant, user)
    pdf = pdf_bytes()
    big = pdf + b"\n%" + b"0" * (3 * 1024 * 1024)  # a PDF with a 3 MB trailing comment
    url = f"/api/v1/suppliers/{supplier.pk}/documents/"

    def upload() -> Any:
        return api.post(
            url,
            {"doc_type": "w9", "file": SimpleUploadedFile("w9.pdf", big)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="w9-upload-1",
        )

    first, again = upload(), upload()
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    with in_tenant(sorg.tenant):
        assert SupplierDocument.objects.filter(supplier=supplier).count() == 1
    other = api.post(
        url,
        {"doc_type": "w9", "file": SimpleUploadedFile("w9.pdf", pdf)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="w9-upload-1",
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_the_same_key_and_body_on_another_path_is_not_replayed(
    tenant_a: Any, make_user: Any, api_for: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"]))
    body = {"email": "path@tenanta.test", "roles": ["buyer"]}
    first = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-path")
    assert first.status_code == 201
    other = api.post("/api/v1/suppliers/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-path")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_nested_validation_errors_are_sentences_under_their_field(org: Any, api_for: Any) -> None:
    api = api_for(org.tenant, org.requester)
    response = api.post(
        "/api/v1/requisitions/",
        {
            "title": "Chairs",
            "cost_center": "CC-100",
            "spend_category": "FAC",
            "legal_entity": "US01",
            "currency": "USD",
            "lines": [
                {"description": "Chair", "quantity": "2", "unit_price": "100"},
                {"description": "Desk", "quantity": "lots", "unit_price": "100"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {"lines[1].quantity": ["A valid number is required."]}
    assert "ErrorDetail" not in response.content.decode()
