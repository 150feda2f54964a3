"""Supplier fixtures: the org plus compliance and AP users, the SDN excerpt loaded, files."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.demo.suppliers import pdf_bytes
from tests.conftest import ROOT
from tests.invoices.conftest import aporg, receive  # payments hold on the bank controls

__all__ = ["aporg", "receive"]

SDN_EXCERPT = ROOT / "data" / "sanctions" / "sdn-excerpt.csv"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#0B5FFF").save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#D6336C").save(out, "JPEG")
    return out.getvalue()


@dataclass
class SupplierOrg:
    org: Any
    tenant: Any
    buyer: Any
    compliance: Any
    clerk: Any
    admin: Any


@pytest.fixture
def sorg(org: Any, make_user: Any) -> SupplierOrg:
    return SupplierOrg(
        org=org,
        tenant=org.tenant,
        buyer=org.buyer,
        compliance=make_user(org.tenant, "compliance", ["compliance"]),
        clerk=make_user(org.tenant, "clerk", ["ap_clerk"]),
        admin=org.admin,
    )


@pytest.fixture
def sanctions(db: None) -> Path:
    from apps.sanctions.importer import import_sdn
    from apps.tenancy.context import public_context

    with public_context():
        import_sdn(SDN_EXCERPT)
    return SDN_EXCERPT


def invite(sorg: SupplierOrg, name: str = "Tailspin Parts GmbH", **extra: Any) -> Any:
    from django.db import transaction

    from apps.suppliers.services.onboarding import supplier_invite

    data = {
        "email": f"contact@{name.split()[0].lower()}.test",
        "country": "DE",
        "category": "IT-HW",
    }
    data.update(extra)
    with transaction.atomic():
        return supplier_invite(actor=sorg.buyer, name=name, base_url="http://a.localhost/", **data)


def portal_user(supplier: Any) -> Any:
    from apps.suppliers.models import SupplierInvitation
    from apps.suppliers.services.onboarding import invitation_token, supplier_invitation_accept
    from tests.conftest import PASSWORD

    invitation = SupplierInvitation.objects.filter(supplier=supplier).first()
    return supplier_invitation_accept(token=invitation_token(invitation), password=PASSWORD)


def complete_onboarding(sorg: SupplierOrg, supplier: Any, *, tax_id: str = "DE136695976") -> Any:
    """Profile, the documents the policy asks for, and a bank account: ready to submit."""
    from apps.suppliers.services.banking import bank_account_add
    from apps.suppliers.services.documents import document_upload
    from apps.suppliers.services.onboarding import onboarding_gaps, supplier_profile_update

    user = portal_user(supplier)
    supplier_profile_update(
        actor=user,
        supplier_id=supplier.pk,
        data={
            "tax_id": tax_id,
            "phone": "+49 30 1234 5678",
            "line1": "Hauptstrasse 1",
            "city": "Berlin",
            "postal_code": "10115",
            "contact_name": "Kim Contact",
        },
    )
    for doc_type in ("vat_certificate", "w9", "w8ben", "insurance_certificate", "bank_letter"):
        document_upload(
            actor=user,
            supplier_id=supplier.pk,
            doc_type=doc_type,
            upload=SimpleUploadedFile(f"{doc_type}.pdf", pdf_bytes()),
            expires_on=timezone.localdate() + timedelta(days=365),
        )
    bank_account_add(
        actor=user,
        supplier_id=supplier.pk,
        data={"account_holder": supplier.name, "iban": "DE89370400440532013000"},
    )
    supplier.refresh_from_db()
    assert onboarding_gaps(supplier) == []
    return user


@pytest.fixture
def files() -> dict[str, Callable[[], bytes]]:
    return {"pdf": pdf_bytes, "png": png_bytes, "jpeg": jpeg_bytes}
