"""Demo contracts for one tenant: Contoso's office-supplies contract with its catalog, and
Fabrikam's services contract that ends in 20 days; a requisition bought from the catalog on
contract, one bought around the contract (routed to the buyer), one bought around it and
ordered (the maverick spend), one for Fabrikam's services, and an invoice above the contracted
price waiting in the price-variance queue. Written through the services on the demo's clock
(skipped when contracts exist). The contracts are registered before the requisitions of the
last two weeks, so the toner a buyer sources from Contoso then is bought on contract."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.contracts.models import CatalogItem, Contract
from apps.contracts.services.catalog import catalog_import
from apps.contracts.services.register import (
    contract_activate,
    contract_create,
    contract_document_upload,
)
from apps.demo.clock import Timeline, tasks_inline
from apps.demo.suppliers import pdf_bytes
from apps.invoices.services.receive import invoice_create
from apps.matching.services.outcome import invoices_match
from apps.procurement.models import PurchaseOrder
from apps.procurement.services.receiving import goods_receipt_post
from apps.procurement.services.requisitions import requisition_create, requisition_submit
from apps.suppliers.models import Supplier
from apps.workflow.models import ApprovalTask
from apps.workflow.services import task_approve

CONTOSO = "CT-2026-001"
FABRIKAM = "CT-2025-014"
CATALOG = """contract,sku,description,unit,unit_price,currency,spend_category
CT-2026-001,TN-BLK-1,Black toner cartridge (laser),each,62.00,USD,FAC
CT-2026-001,TN-CLR-4,Colour toner set of four (laser),set,189.00,USD,FAC
CT-2026-001,PA-A4-80,Copy paper A4 80 g (500 sheets),ream,4.20,USD,FAC
CT-2026-001,PA-LT-80,Copy paper Letter 80 g (500 sheets),ream,4.35,USD,FAC
CT-2026-001,PN-GEL-12,Gel pens black (box of 12),box,9.80,USD,FAC
CT-2026-001,NB-A5-5,Notebooks A5 (pack of 5),pack,12.50,USD,FAC
CT-2026-001,ST-DESK,Desk stapler,each,14.90,USD,FAC
CT-2026-001,BT-AA-24,AA batteries (24),pack,16.40,USD,FAC
"""


def _user(slug: str, local: str) -> User:
    return User.objects.get(email=f"{local}@{slug}.example")


def seed_contracts(timeline: Timeline, *, slug: str) -> None:
    if Contract.objects.exists():
        return
    state: dict[str, PurchaseOrder] = {}
    today = timeline.today

    def register() -> None:
        buyer = _user(slug, "buyer")
        contoso = Supplier.objects.get(name="Contoso Office Supply")
        fabrikam = Supplier.objects.get(name="Fabrikam Security Services")
        with transaction.atomic():
            office = contract_create(
                actor=buyer,
                data={
                    "number": CONTOSO,
                    "title": "Office supplies framework agreement",
                    "supplier": contoso.pk,
                    "legal_entities": ["US01"],
                    "spend_categories": ["FAC"],
                    "starts_on": today - timedelta(days=60),
                    "ends_on": today + timedelta(days=305),
                    "notice_days": 90,
                    "auto_renew": True,
                    "value_cap": Decimal("60000.00"),
                    "currency": "USD",
                },
            )
            contract_document_upload(
                actor=buyer,
                contract_id=office.pk,
                upload=SimpleUploadedFile("contoso-framework-signed.pdf", pdf_bytes(CONTOSO)),
            )
            contract_activate(actor=buyer, contract_id=office.pk)
            catalog_import(
                actor=buyer, upload=SimpleUploadedFile("contoso-catalog.csv", CATALOG.encode())
            )
            services = contract_create(
                actor=buyer,
                data={
                    "number": FABRIKAM,
                    "title": "Site security and guard services",
                    "supplier": fabrikam.pk,
                    "legal_entities": ["DE01"],
                    "spend_categories": ["SRV"],
                    "starts_on": today - timedelta(days=345),
                    "ends_on": today + timedelta(days=20),
                    "notice_days": 30,
                    "value_cap": Decimal("48000.00"),
                    "currency": "EUR",
                },
            )
            contract_activate(actor=buyer, contract_id=services.pk)

    def on_contract() -> None:
        requester = _user(slug, "jonas.keller")
        items = {i.sku: i for i in CatalogItem.objects.all()}
        with transaction.atomic(), tasks_inline():
            draft = requisition_create(
                actor=requester,
                data={
                    "title": "Toner and paper for the second floor",
                    "cost_center": "CC-300",
                    "spend_category": "FAC",
                    "legal_entity": "US01",
                    "currency": "USD",
                    "justification": "The second floor's printers and copiers, for the month.",
                    "lines": [
                        {"catalog_item": str(items["TN-BLK-1"].pk), "quantity": "6"},
                        {"catalog_item": str(items["PA-A4-80"].pk), "quantity": "40"},
                    ],
                },
            )
            requisition = requisition_submit(actor=requester, requisition_id=draft.pk)
        state["order"] = PurchaseOrder.objects.get(requisition=requisition)

    def around_the_contract() -> None:
        requester = _user(slug, "jonas.keller")
        contoso = Supplier.objects.get(name="Contoso Office Supply")
        with transaction.atomic():
            draft = requisition_create(
                actor=requester,
                data={
                    "title": "Toner from the shop around the corner",
                    "cost_center": "CC-300",
                    "spend_category": "FAC",
                    "legal_entity": "US01",
                    "currency": "USD",
                    "supplier": contoso.pk,
                    "justification": "The dispatch printer ran dry before the delivery came.",
                    "contract_note": "urgent, bought at the counter",
                    "lines": [
                        {"description": "Toner cartridge", "quantity": "8", "unit_price": "74.00"}
                    ],
                },
            )
            requisition_submit(actor=requester, requisition_id=draft.pk)

    def bought_around_and_ordered() -> None:
        requester = _user(slug, "jonas.keller")
        contoso = Supplier.objects.get(name="Contoso Office Supply")
        with transaction.atomic(), tasks_inline():
            draft = requisition_create(
                actor=requester,
                data={
                    "title": "Batteries from the office store",
                    "cost_center": "CC-300",
                    "spend_category": "FAC",
                    "legal_entity": "US01",
                    "currency": "USD",
                    "supplier": contoso.pk,
                    "justification": "Hand scanners in the warehouse; needed for the inventory.",
                    "lines": [
                        {
                            "description": "AA batteries (24)",
                            "quantity": "10",
                            "unit_price": "18.90",
                        }
                    ],
                },
            )
            requisition = requisition_submit(actor=requester, requisition_id=draft.pk)
        # the buyer lets it through once (each step of its route): the spend counts as maverick
        for _step in range(5):
            with transaction.atomic(), tasks_inline():
                tasks = list(
                    ApprovalTask.objects.filter(
                        subject_id=str(requisition.pk), status=ApprovalTask.Status.OPEN
                    ).select_related("assignee")
                )
                for task in tasks:
                    task_approve(
                        actor=task.assignee,
                        task_id=task.pk,
                        comment="Needed today; next time from the contracted catalog.",
                    )
            if not tasks:
                break

    def services_on_contract() -> None:
        requester = _user(slug, "jonas.keller")
        with transaction.atomic():
            draft = requisition_create(
                actor=requester,
                data={
                    "title": "Guard service for the year-end stocktake",
                    "cost_center": "CC-300",
                    "spend_category": "SRV",
                    "legal_entity": "DE01",
                    "currency": "EUR",
                    "contract": Contract.objects.get(number=FABRIKAM).pk,
                    "justification": "Guards for the two nights the warehouse is counted.",
                    "need_by": timezone.localdate() + timedelta(days=10),
                    "lines": [
                        {"description": "Guard shifts", "quantity": "12", "unit_price": "310.00"}
                    ],
                },
            )
            requisition_submit(actor=requester, requisition_id=draft.pk)

    def receive() -> None:
        order = state["order"]
        with transaction.atomic():
            goods_receipt_post(
                actor=_user(slug, "receiver"),
                order_id=order.pk,
                lines=[
                    {"po_line": line.pk, "quantity": line.quantity} for line in order.lines.all()
                ],
                note="Delivered complete",
            )

    def invoice_above_contract() -> None:
        order = state["order"]
        lines: list[dict[str, Any]] = []
        total = Decimal("0")
        for line in order.lines.order_by("line_no"):
            price = Decimal("66.50") if line.line_no == 1 else line.unit_price
            lines.append(
                {
                    "po_line": line.pk,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": price,
                    "tax_rate": Decimal("0"),
                }
            )
            total += line.quantity * price
        with transaction.atomic(), tasks_inline():
            invoice = invoice_create(
                actor=_user(slug, "ap"),
                data={
                    "supplier": order.supplier_id,
                    "purchase_order": order.pk,
                    "invoice_number": "CON-88412",
                    "invoice_date": timezone.localdate(),
                    "currency": "USD",
                    "lines": lines,
                    "total": total.quantize(Decimal("0.01")),
                },
            )
        invoices_match(invoice_ids=[invoice.pk])

    # registered before the requisitions of the last two weeks (the toner sourced 10 days ago)
    timeline.at(14, register, hour=9)
    timeline.at(3, on_contract, hour=10.5)
    timeline.at(2, receive, hour=14)
    timeline.at(2, around_the_contract, hour=16)
    timeline.at(5, bought_around_and_ordered, hour=10)
    timeline.at(1, services_on_contract, hour=9.5)
    timeline.at(1, invoice_above_contract, hour=11)
