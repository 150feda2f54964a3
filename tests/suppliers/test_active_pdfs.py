"""PDFs that would act when opened (JavaScript, launch and submit actions, XFA, embedded
files other than XML) are refused with `active_pdf` naming why, on every door a PDF comes in
by; harmless PDFs (a page to open at, a web link, a Factur-X XML attachment) are kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.suppliers.models import SupplierDocument
from apps.suppliers.pdf_content import ActivePdf
from apps.suppliers.uploads import inspect_upload
from tests.integrations.conftest import signed_in
from tests.pdfs import ACTIVE, PASSIVE
from tests.suppliers.conftest import invite, portal_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", sorted(ACTIVE))
def test_an_active_pdf_is_refused_naming_why(kind: str) -> None:
    content, why = ACTIVE[kind]
    with pytest.raises(ActivePdf) as refused:
        inspect_upload(SimpleUploadedFile(f"{kind}.pdf", content))
    assert refused.value.code == "active_pdf"
    assert why in refused.value.detail, refused.value.detail


@pytest.mark.parametrize("kind", sorted(PASSIVE))
def test_a_harmless_pdf_is_kept(kind: str) -> None:
    assert inspect_upload(SimpleUploadedFile(f"{kind}.pdf", PASSIVE[kind])).extension == "pdf"


@pytest.mark.parametrize("kind", ["open_action_js", "packed_launch_link", "embedded_exe"])
def test_supplier_documents_refuse_active_pdfs_by_api(
    kind: str, sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
    content, why = ACTIVE[kind]
    answer = api_for(sorg.tenant, sorg.buyer).post(
        f"/api/v1/suppliers/{supplier.pk}/documents/",
        {"doc_type": "other", "file": SimpleUploadedFile("c.pdf", content, "application/pdf")},
        format="multipart",
    )
    assert answer.status_code == 422 and answer.json()["code"] == "active_pdf"
    assert why in answer.json()["detail"]
    with in_tenant(sorg.tenant):
        assert not SupplierDocument.objects.filter(supplier=supplier).exists()


def test_the_supplier_portal_refuses_an_active_pdf(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        user = portal_user(supplier)
    page = signed_in(sorg.tenant, user)
    content, _why = ACTIVE["names_js"]
    answer = page.post(
        "/supplier-portal/documents/",
        {"doc_type": "other", "file": SimpleUploadedFile("cert.pdf", content)},
        follow=True,
    )
    assert answer.status_code == 200 and b"JavaScript" in answer.content
    kept = page.post(
        "/supplier-portal/documents/",
        {"doc_type": "other", "file": SimpleUploadedFile("cert.pdf", PASSIVE["uri_link"])},
    )
    assert kept.status_code == 302
    with in_tenant(sorg.tenant):
        assert SupplierDocument.objects.filter(supplier=supplier).count() == 1
