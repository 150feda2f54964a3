"""Demo suppliers, onboarded through the real services: one approved supplier per spend
category (Contoso with the `supplier@` portal user), each with a few documents, one still
onboarding, one with a document expiring in 10 days, one
with a sanctions hit awaiting review, and one with a pending bank change."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from apps.accounts.mfa.stepup import factor_recorded
from apps.accounts.models import User
from apps.demo.clock import Timeline, tasks_inline
from apps.demo.hosts import demo_port
from apps.sanctions.importer import import_sdn
from apps.sanctions.models import SanctionsList
from apps.suppliers.models import Supplier, SupplierInvitation
from apps.suppliers.services import banking, documents, onboarding
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


def ensure_sanctions_list() -> None:
    with public_context():
        if not SanctionsList.objects.filter(active=True).exists():
            import_sdn(SANCTIONS_EXCERPT)


# name, country, category, tax id, contact local part, phone, bank, documents, outcome
SUPPLIERS: list[dict[str, Any]] = [
    {
        "name": "Contoso Office Supply",
        "address": ("1200 Harbor Avenue", "Seattle", "98101"),
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
        "address": ("Friedrichstraße 120", "Berlin", "10117"),
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
        "address": ("455 Industrial Way", "Redmond", "98052"),
        "country": "US",
        "category": "IT-HW",
        "tax_id": "91-1144442",
        "contact": "billing.adventureworks",
        "phone": "+1 425 555 0199",
        "bank": {"account_number": "4455667788", "routing_number": "021000021"},
        "documents": {"w9": None, "insurance_certificate": 240, "bank_letter": None},
        "outcome": "approved",
        "new_bank": {"account_number": "9988776655", "routing_number": "026009593"},
    },
    {
        "name": "Proseware Inc.",
        "address": ("88 Market Street", "San Francisco", "94105"),
        "country": "US",
        "category": "IT-SW",
        "tax_id": "94-3175312",
        "contact": "sales.proseware",
        "phone": "+1 650 555 0175",
        "bank": {"account_number": "3344556677", "routing_number": "121000248"},
        "documents": {"w9": None, "insurance_certificate": 300, "bank_letter": None},
        "outcome": "approved",
    },
    {
        "name": "Lucerne Publishing",
        "address": ("301 West 44th Street", "New York", "10036"),
        "country": "US",
        "category": "MKT",
        "tax_id": "13-4922250",
        "contact": "studio.lucerne",
        "phone": "+1 212 555 0148",
        "bank": {"account_number": "7766554433", "routing_number": "021000089"},
        "documents": {"w9": None, "insurance_certificate": 180, "bank_letter": None},
        "outcome": "approved",
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
        "address": ("14 King Street", "London", "EC2V 8EA"),
        "country": "GB",
        "category": "SRV",
        "tax_id": "GB980780684",
        "contact": "onboarding.litware",
        "phone": "",
        "bank": None,
        "documents": {"vat_certificate": None},  # uploaded; the rest still to come
        "outcome": "onboarding",
    },
]


# who the demo buys each spend category from (apps/demo/procurement.py, invoices.py)
CATEGORY_SUPPLIERS = {
    "IT-HW": "Adventure Works Hardware",
    "IT-SW": "Proseware Inc.",
    "MKT": "Lucerne Publishing",
    "FAC": "Contoso Office Supply",
    "SRV": "Fabrikam Security Services",
}

SCREENED_ADDRESS = ("1 Demo Street", "Springfield", "12345")

# when each supplier's story starts (days ago): the approved ones when the tenant opened,
# the ones still waiting recently
STARTS = {
    "Contoso Office Supply": 90,
    "Fabrikam Security Services": 89,
    "Adventure Works Hardware": 88,
    "Proseware Inc.": 87,
    "Lucerne Publishing": 86,
    "Banco Nacional de Kuba S.A.": 12,
    "Litware Consulting Ltd": 8,
}
NEW_BANK_DAYS_AGO = 5


def seed_suppliers(timeline: Timeline, *, slug: str, password: str, portal_name: str) -> None:
    """Schedule each supplier's onboarding on the timeline (suppliers already there are left
    as they are)."""
    ensure_sanctions_list()
    for spec in SUPPLIERS:
        if Supplier.objects.filter(name=spec["name"]).exists():
            continue
        _onboard(timeline, spec, slug=slug, password=password, portal_name=portal_name)


def _users(slug: str) -> dict[str, User]:
    return {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{slug}.example")
    }


def _onboard(
    timeline: Timeline, spec: dict[str, Any], *, slug: str, password: str, portal_name: str
) -> None:
    start = STARTS[spec["name"]]
    email = f"{spec['contact']}@{slug}.example"
    today = timeline.today  # document expiries are counted from the real today
    state: dict[str, Any] = {}

    def invite() -> None:
        with transaction.atomic(), tasks_inline():
            state["supplier"] = onboarding.supplier_invite(
                actor=_users(slug)["buyer"],
                name=spec["name"],
                email=email,
                country=spec["country"],
                category=spec["category"],
                base_url=f"http://{slug}.localhost:{demo_port()}/",
                portal_name=portal_name,
            )

    def complete_profile() -> None:
        supplier = state["supplier"]
        invitation = SupplierInvitation.objects.get(supplier=supplier)
        with tasks_inline():
            contact = onboarding.supplier_invitation_accept(
                token=onboarding.invitation_token(invitation), password=password
            )
            contact.first_name = spec["contact"].split(".")[0].capitalize()
            contact.save(update_fields=["first_name"])
            state["contact"] = contact
            # the sanctioned one keeps the address it was screened with
            line1, city, postal_code = spec.get("address", SCREENED_ADDRESS)
            profile = {
                "tax_id": spec["tax_id"],
                "line1": line1,
                "city": city,
                "postal_code": postal_code,
                "contact_name": f"{contact.first_name} ({spec['name']})",
                "contact_email": email,
                "contact_role": "Accounts receivable",
            }
            if spec["phone"]:
                profile["phone"] = spec["phone"]
            onboarding.supplier_profile_update(actor=contact, supplier_id=supplier.pk, data=profile)
            for doc_type, days in spec["documents"].items():
                documents.document_upload(
                    actor=contact,
                    supplier_id=supplier.pk,
                    doc_type=doc_type,
                    upload=SimpleUploadedFile(
                        # named as suppliers name their scans, not by our codes
                        f"{spec['name']} {doc_type.replace('_', ' ')} {today.year}.pdf",
                        pdf_bytes(f"{spec['name']} {doc_type}"),
                    ),
                    issued_on=today - timedelta(days=200),
                    expires_on=today + timedelta(days=days) if days else None,
                )
            if spec["outcome"] == "onboarding":
                return
            state["account"] = banking.bank_account_add(
                actor=contact,
                supplier_id=supplier.pk,
                data={"account_holder": spec["name"], **spec["bank"]},
            )

    def verify_and_submit() -> None:
        users = _users(slug)
        with tasks_inline():
            banking.bank_account_record_callback(
                actor=users["ap"],
                account_id=state["account"].pk,
                confirmed=True,
                note="Confirmed with accounts receivable",
            )
            with factor_recorded(users["compliance"], how="seed"):  # a code typed in the story
                banking.bank_account_approve(
                    actor=users["compliance"], account_id=state["account"].pk
                )
            onboarding.supplier_submit(actor=state["contact"], supplier_id=state["supplier"].pk)

    def approve() -> None:
        users = _users(slug)
        with tasks_inline():
            for approver in (users["buyer"], users["compliance"]):
                for task in ApprovalTask.objects.filter(
                    subject_type="supplier",
                    subject_id=str(state["supplier"].pk),
                    assignee=approver,
                    status="open",
                ):
                    task_approve(
                        actor=approver, task_id=task.pk, comment="Onboarding checks reviewed"
                    )

    def change_bank() -> None:
        with tasks_inline():
            banking.bank_account_add(
                actor=state["contact"],
                supplier_id=state["supplier"].pk,
                data={"account_holder": spec["name"], **spec["new_bank"]},
            )

    timeline.at(start, invite, hour=9)
    timeline.at(start - 1, complete_profile, hour=11)
    if spec["outcome"] == "onboarding":
        return
    timeline.at(start - 2, verify_and_submit, hour=10)
    if spec["outcome"] == "approved":
        timeline.at(start - 3, approve, hour=14)
    if spec.get("new_bank"):
        timeline.at(NEW_BANK_DAYS_AGO, change_bank, hour=16)
