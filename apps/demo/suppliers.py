"""Demo suppliers, onboarded through the real services: approved ones (Contoso with the
`supplier@` portal user), one still onboarding, one with a document expiring in 10 days, one
with a sanctions hit awaiting review, and one with a pending bank change."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.sanctions.importer import import_sdn
from apps.sanctions.models import SanctionsList
from apps.suppliers.models import Supplier, SupplierInvitation
from apps.suppliers.services import banking, documents, onboarding
from apps.suppliers.services.renewals import document_renewal_alerts
from apps.tenancy.context import public_context
from apps.workflow.models import ApprovalTask
from apps.workflow.services import task_approve

SANCTIONS_EXCERPT = Path(settings.BASE_DIR) / "data" / "sanctions" / "sdn-excerpt.csv"


def pdf_bytes(title: str = "Spendgate demo document") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@contextlib.contextmanager
def tasks_inline() -> Iterator[None]:
    """Run Celery tasks in this process while seeding, so the seed needs no worker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def ensure_sanctions_list() -> None:
    with public_context():
        if not SanctionsList.objects.filter(active=True).exists():
            import_sdn(SANCTIONS_EXCERPT)


# name, country, category, tax id, contact local part, phone, bank, documents, outcome
SUPPLIERS: list[dict[str, Any]] = [
    {
        "name": "Contoso Office Supply",
        "country": "US",
        "category": "FAC",
        "tax_id": "04-2103594",
        "contact": "supplier",
        "phone": "+1 206 555 0100",
        "bank": {"account_number": "000123456789", "routing_number": "011000015"},
        "documents": {"w9": None, "insurance_certificate": 400, "bank_letter": None},
        "outcome": "approved",
    },
    {
        "name": "Fabrikam Security Services",
        "country": "DE",
        "category": "SRV",
        "tax_id": "DE136695976",
        "contact": "contracts.fabrikam",
        "phone": "+49 30 5550 1234",
        "bank": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
        "documents": {"vat_certificate": None, "insurance_certificate": 10, "bank_letter": None},
        "outcome": "approved",
    },
    {
        "name": "Adventure Works Hardware",
        "country": "US",
        "category": "IT-HW",
        "tax_id": "91-1144442",
        "contact": "billing.adventureworks",
        "phone": "+1 425 555 0199",
        "bank": {"account_number": "4455667788", "routing_number": "021000021"},
        "documents": {"w9": None, "bank_letter": None},
        "outcome": "approved",
        "new_bank": {"account_number": "9988776655", "routing_number": "026009593"},
    },
    {
        # a spelling variation of SDN entry 306, BANCO NACIONAL DE CUBA
        "name": "Banco Nacional de Kuba S.A.",
        "country": "PA",
        "category": "SRV",
        "tax_id": "155596713-2-2015",
        "contact": "treasury.bnk",
        "phone": "+507 555 0142",
        "bank": {"iban": "GB29NWBK60161331926819", "bic": "NWBKGB2LXXX"},
        "documents": {"w8ben": None, "insurance_certificate": 300, "bank_letter": None},
        "outcome": "submitted",
    },
    {
        "name": "Litware Consulting Ltd",
        "country": "GB",
        "category": "SRV",
        "tax_id": "GB980780684",
        "contact": "onboarding.litware",
        "phone": "",
        "bank": None,
        "documents": {},
        "outcome": "onboarding",
    },
]


def seed_suppliers(*, slug: str, password: str, portal_name: str) -> None:
    ensure_sanctions_list()
    users = {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{slug}.example")
    }
    with tasks_inline():
        for spec in SUPPLIERS:
            if Supplier.objects.filter(name=spec["name"]).exists():
                continue
            _onboard(spec, slug=slug, password=password, portal_name=portal_name, users=users)
        document_renewal_alerts()


def _onboard(
    spec: dict[str, Any], *, slug: str, password: str, portal_name: str, users: dict[str, User]
) -> None:
    buyer, clerk, compliance = users["buyer"], users["ap"], users["compliance"]
    email = f"{spec['contact']}@{slug}.example"
    with transaction.atomic():
        supplier = onboarding.supplier_invite(
            actor=buyer,
            name=spec["name"],
            email=email,
            country=spec["country"],
            category=spec["category"],
            base_url=f"http://{slug}.localhost:8000/",
            portal_name=portal_name,
        )
    invitation = SupplierInvitation.objects.get(supplier=supplier)
    contact = onboarding.supplier_invitation_accept(
        token=onboarding.invitation_token(invitation), password=password
    )
    contact.first_name = spec["contact"].split(".")[0].capitalize()
    contact.save(update_fields=["first_name"])
    profile = {
        "tax_id": spec["tax_id"],
        "line1": "1 Demo Street",
        "city": "Springfield",
        "postal_code": "12345",
        "contact_name": f"{contact.first_name} ({spec['name']})",
        "contact_email": email,
        "contact_role": "Accounts receivable",
    }
    if spec["phone"]:
        profile["phone"] = spec["phone"]
    onboarding.supplier_profile_update(actor=contact, supplier_id=supplier.pk, data=profile)
    if spec["outcome"] == "onboarding":
        return
    today = timezone.localdate()
    for doc_type, days in spec["documents"].items():
        documents.document_upload(
            actor=contact,
            supplier_id=supplier.pk,
            doc_type=doc_type,
            upload=SimpleUploadedFile(f"{doc_type}.pdf", pdf_bytes(f"{spec['name']} {doc_type}")),
            issued_on=today - timedelta(days=200),
            expires_on=today + timedelta(days=days) if days else None,
        )
    account = banking.bank_account_add(
        actor=contact,
        supplier_id=supplier.pk,
        data={"account_holder": spec["name"], **spec["bank"]},
    )
    banking.bank_account_record_callback(
        actor=clerk,
        account_id=account.pk,
        confirmed=True,
        note="Confirmed with accounts receivable",
    )
    banking.bank_account_approve(actor=compliance, account_id=account.pk)
    onboarding.supplier_submit(actor=contact, supplier_id=supplier.pk)
    if spec["outcome"] != "approved":
        return
    for approver in (buyer, compliance):
        for task in ApprovalTask.objects.filter(
            subject_type="supplier", subject_id=str(supplier.pk), assignee=approver, status="open"
        ):
            task_approve(actor=approver, task_id=task.pk, comment="Onboarding checks reviewed")
    if spec.get("new_bank"):
        banking.bank_account_add(
            actor=contact,
            supplier_id=supplier.pk,
            data={"account_holder": spec["name"], **spec["new_bank"]},
        )
