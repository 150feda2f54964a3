"""A month of accounts payable for a demo tenant, written through the services: orders
received, invoices that matched touchlessly (one imported as UBL), and at least one open
exception of every code intake and matching can raise."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.invoices.intake.csvfile import COLUMNS
from apps.invoices.models import Invoice, PayingAccount
from apps.invoices.services.outcome import invoices_match
from apps.invoices.services.payments import payment_proposal_create
from apps.invoices.services.receive import invoice_create, invoices_import
from apps.organization.models import LegalEntity
from apps.procurement.models import PurchaseOrder
from apps.procurement.services.receiving import goods_receipt_post
from apps.procurement.services.requisitions import requisition_create, requisition_submit
from apps.suppliers.models import Supplier

CENT = Decimal("0.01")
# Peppol BIS Billing 3.0 templates for the demo's imported invoice
UBL = (Path(__file__).parent / "files" / "demo_invoice.xml").read_text()
UBL_LINE = (Path(__file__).parent / "files" / "demo_invoice_line.xml").read_text()


def ubl_invoice(
    order: PurchaseOrder, *, number: str, issued: date, rate: str = "0", buyer: str = ""
) -> bytes:
    """A Peppol BIS Billing 3.0 invoice for an order's lines at the order's prices."""
    lines, net = [], Decimal("0")
    for line in order.lines.order_by("line_no"):
        amount = (line.quantity * line.unit_price).quantize(CENT)
        net += amount
        lines.append(
            UBL_LINE.format(
                n=line.line_no,
                qty=line.quantity,
                currency=order.currency,
                net=amount,
                description=line.description,
                rate=rate,
                price=line.unit_price.quantize(CENT),
            )
        )
    tax = (net * Decimal(rate) / 100).quantize(CENT)
    supplier = order.supplier
    assert supplier is not None
    return UBL.format(
        number=number,
        issued=issued.isoformat(),
        due=(issued + timedelta(days=30)).isoformat(),
        currency=order.currency,
        order=order.number,
        seller=supplier.name,
        tax_id=supplier.tax_id,
        buyer=buyer,
        tax=tax,
        net=net,
        rate=rate,
        total=net + tax,
        lines="\n ".join(lines),
    ).encode()


def _user(slug: str, local: str) -> User:
    return User.objects.get(email=f"{local}@{slug}.example")


def _order(
    requester: User,
    supplier: Supplier,
    title: str,
    lines: list[tuple[str, str, str]],
    currency: str = "USD",
    category: str = "IT-HW",
) -> PurchaseOrder:
    """Small orders approve automatically under the default policy and are issued at once."""
    requisition = requisition_create(
        actor=requester,
        data={
            "title": title,
            "cost_center": "CC-100",
            "spend_category": category,
            "legal_entity": "DE01" if currency == "EUR" else "US01",
            "currency": currency,
            "supplier": supplier.pk,
            "lines": [{"description": d, "quantity": q, "unit_price": p} for d, q, p in lines],
        },
    )
    requisition_submit(actor=requester, requisition_id=requisition.pk)
    return PurchaseOrder.objects.get(requisition=requisition)


def _body(
    order: PurchaseOrder,
    number: str,
    on: date,
    *,
    prices: dict[int, str] | None = None,
    quantities: dict[int, str] | None = None,
    total_delta: str = "0",
    currency: str | None = None,
) -> dict[str, Any]:
    prices, quantities = prices or {}, quantities or {}
    lines, net = [], Decimal("0")
    for line in order.lines.order_by("line_no"):
        quantity = Decimal(quantities.get(line.line_no, str(line.quantity)))
        price = Decimal(prices.get(line.line_no, str(line.unit_price)))
        lines.append(
            {
                "po_line": line.pk,
                "description": line.description,
                "quantity": quantity,
                "unit_price": price,
                "tax_rate": Decimal("0"),
            }
        )
        net += (quantity * price).quantize(CENT)
    return {
        "supplier": order.supplier_id,
        "purchase_order": order.pk,
        "invoice_number": number,
        "invoice_date": on,
        "currency": currency or order.currency,
        "lines": lines,
        "total": net + Decimal(total_delta),
    }


def _no_po(
    supplier: Supplier, number: str, on: date, amount: str, description: str, currency: str = "USD"
) -> dict[str, Any]:
    return {
        "supplier": supplier.pk,
        "invoice_number": number,
        "invoice_date": on,
        "currency": currency,
        "lines": [
            {
                "description": description,
                "quantity": Decimal("1"),
                "unit_price": Decimal(amount),
                "tax_rate": Decimal("0"),
            }
        ],
        "total": Decimal(amount),
    }


@transaction.atomic
def seed_invoices(*, slug: str, portal_name: str = "") -> None:
    from .suppliers import tasks_inline

    if Invoice.objects.exists():
        return
    for code, iban, bic in (
        ("US01", "US64SVBKUS6S3300958879", "SVBKUS6SXXX"),
        ("DE01", "DE75512108001245126199", "SOGEDEFFXXX"),
    ):
        PayingAccount.objects.get_or_create(
            legal_entity=LegalEntity.objects.get(code=code),
            defaults={"name": f"{portal_name or slug} {code}", "iban": iban, "bic": bic},
        )
    requester, receiver, clerk = (
        _user(slug, "requester"),
        _user(slug, "receiver"),
        _user(slug, "ap"),
    )
    contoso = Supplier.objects.get(name="Contoso Office Supply")
    today = timezone.localdate()
    with tasks_inline():
        orders = {
            "toner": _order(
                requester, contoso, "Toner for the print room", [("Toner cartridge", "12", "45.00")]
            ),
            "paper": _order(requester, contoso, "Copy paper", [("Paper box A4", "20", "28.50")]),
            "cables": _order(
                requester,
                contoso,
                "Cables and adapters",
                [("HDMI cable", "15", "9.90"), ("USB-C adapter", "10", "19.00")],
            ),
            "headsets": _order(
                requester, contoso, "Headsets for support", [("Headset", "8", "89.00")]
            ),
            "webcams": _order(requester, contoso, "Webcams", [("Webcam", "6", "74.00")]),
            "chairs": _order(requester, contoso, "Meeting room chairs", [("Chair", "4", "210.00")]),
            "lamps": _order(requester, contoso, "Desk lamps", [("Desk lamp", "10", "32.00")]),
            "keyboards": _order(requester, contoso, "Keyboards", [("Keyboard", "10", "49.00")]),
            "mice": _order(requester, contoso, "Mice", [("Mouse", "20", "24.00")]),
        }
        for name, order in orders.items():
            if name in ("lamps",):
                continue  # not delivered yet: its invoice waits on receiving
            goods_receipt_post(
                actor=receiver,
                order_id=order.pk,
                lines=[
                    {"po_line": line.pk, "quantity": line.quantity} for line in order.lines.all()
                ],
                note="Delivered complete",
            )

        def day(n: int) -> date:
            return today - timedelta(days=n)

        # touchless: matched on arrival; one of them came in as a Peppol UBL file
        invoices_import(
            actor=clerk,
            upload=SimpleUploadedFile(
                "INV-7001.xml", ubl_invoice(orders["toner"], number="INV-7001", issued=day(26))
            ),
        )
        for key, number, ago in (
            ("paper", "INV-7002", 22),
            ("cables", "INV-7003", 18),
            ("headsets", "INV-7004", 14),
        ):
            invoice_create(actor=clerk, data=_body(orders[key], number, day(ago)))
        # matching is sent on commit; the seed runs in one transaction, so it matches here
        invoices_match(invoice_ids=list(Invoice.objects.values_list("pk", flat=True)))
        # one exception of each kind
        invoice_create(
            actor=clerk, data=_body(orders["webcams"], "INV-7010", day(10), prices={1: "82.00"})
        )  # price_variance
        invoice_create(
            actor=clerk, data=_body(orders["chairs"], "INV-7011", day(9), quantities={1: "6"})
        )  # quantity_variance
        invoice_create(actor=clerk, data=_body(orders["lamps"], "INV-7012", day(8)))  # not_received
        invoice_create(
            actor=clerk, data=_body(orders["paper"], "inv 7002", day(7))
        )  # duplicate_suspected
        invoice_create(
            actor=clerk, data=_body(orders["keyboards"], "INV-7014", day(6), total_delta="35.00")
        )  # tax_mismatch
        invoice_create(
            actor=clerk, data=_body(orders["mice"], "INV-7015", day(5), currency="EUR")
        )  # currency_mismatch
        invoice_create(
            actor=clerk,
            data=_no_po(contoso, "INV-7016", day(5), "6400.00", "Office furniture (no order)"),
        )  # no_po, amount_anomaly
        mice = orders["mice"].number
        csv = (
            ",".join(COLUMNS)
            + "\n"
            + (
                # po_not_found: an order number nobody issued
                f"04-2103594,,INV-7017,{day(4)},,USD,PO-US01-999999,1,Printer service,1,120,0,120\n"
                # invalid_tax_id: the tax id on the invoice is not a valid EIN
                f"12-345,Contoso Office Supply,INV-7018,{day(3)},,USD,{mice},1,Mouse,10,24,0,240\n"
            )
        )
        invoices_import(actor=clerk, upload=SimpleUploadedFile("batch.csv", csv.encode()))
        for name, number, amount in (
            ("Litware Consulting Ltd", "LW-0091", "2400.00"),  # supplier_not_approved
            ("Banco Nacional de Kuba S.A.", "BNK-5512", "18000.00"),  # sanctions_hit
            ("Adventure Works Hardware", "AW-3320", "1250.00"),  # bank_details_changed
        ):
            supplier = Supplier.objects.filter(name=name).first()
            if supplier is not None:
                invoice_create(
                    actor=clerk, data=_no_po(supplier, number, day(2), amount, "Services rendered")
                )
        invoices_match(
            invoice_ids=list(
                Invoice.objects.filter(status=Invoice.Status.RECEIVED).values_list("pk", flat=True)
            )
        )
        # what is due gets proposed for payment (an AP manager releases it)
        Invoice.objects.filter(status=Invoice.Status.APPROVED).update(
            due_date=today + timedelta(days=3)
        )
        payment_proposal_create(actor=clerk)
