"""A supplier's documents and bank accounts are read by the supplier, buyers, tenant admins,
bank verifiers and auditors only (docs/roles.md), through the API and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as PageClient

from apps.suppliers.models import SupplierDocument
from tests.conftest import host_of
from tests.suppliers.conftest import complete_onboarding, invite

pytestmark = pytest.mark.django_db

READERS = ["buyer", "tenant_admin", "ap_clerk", "compliance", "auditor"]
REFUSED = ["requester", "approver", "manager", "receiver", "ap_manager"]


@pytest.fixture
def onboarded(sorg: Any, in_tenant: Any) -> tuple[Any, Any, Any]:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        portal = complete_onboarding(sorg, supplier)
        document = SupplierDocument.objects.filter(supplier=supplier, doc_type="bank_letter").get()
    return supplier, portal, document


@pytest.mark.parametrize("role", READERS + REFUSED)
def test_documents_and_bank_accounts_by_role(
    role: str, onboarded: Any, sorg: Any, make_user: Any, api_for: Any, in_tenant: Any
) -> None:
    supplier, _portal, document = onboarded
    user = make_user(sorg.tenant, f"files-{role}", [role])
    api = api_for(sorg.tenant, user)
    base = f"/api/v1/suppliers/{supplier.pk}"
    answers = [
        api.get(f"{base}/documents/").status_code,
        api.get(f"{base}/bank-accounts/").status_code,
        api.get(f"{base}/documents/{document.pk}/download/").status_code,
    ]
    page = PageClient(HTTP_HOST=host_of(sorg.tenant))
    with in_tenant(sorg.tenant):
        page.force_login(user)
    download = page.get(f"/suppliers/{supplier.pk}/documents/{document.pk}/download/").status_code
    detail = page.get(f"/suppliers/{supplier.pk}/").content.decode()
    if role in READERS:
        assert answers == [200, 200, 200]
        assert download == 200
        assert "bank_letter.pdf" in detail
    else:
        assert answers == [403, 403, 403]
        assert download == 403
        assert "bank_letter.pdf" not in detail


def test_the_supplier_reads_its_own_files(onboarded: Any, sorg: Any, api_for: Any) -> None:
    supplier, portal, document = onboarded
    api = api_for(sorg.tenant, portal)
    base = f"/api/v1/suppliers/{supplier.pk}"
    assert api.get(f"{base}/documents/").status_code == 200
    assert api.get(f"{base}/bank-accounts/").status_code == 200
    assert api.get(f"{base}/documents/{document.pk}/download/").status_code == 200
