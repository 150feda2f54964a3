"""Three-way matching of one batch of invoices against orders and receipts, set-based.

Builds a throwaway tenant with N orders of 5 lines, each fully received by a goods receipt,
and N invoices (5 lines each, one in ten with a price above tolerance), then times
`invoices_match` over all of them in one batch beside one raw SQL join over the same rows:
invoices, their lines, the order lines and the receipt lines (the floor). Prints invoice
lines per second and the ratio; machines are noisy, read the ratio. Aim: >= 5,000 lines/s
and within 5x of the floor.

For context it also prints how long the one statement that compares and stores every line
took (the rest is per invoice: exceptions, status, audit event, outbox event), and a write
floor: one UPDATE of the same lines' result columns, which any matcher that stores per-line
results pays on top of the read.

    python bench/matching.py [--invoices 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from django.db import connection, transaction
from submit import drop_tenant, setup_tenant

LINES = 5


def build(n: int) -> list[str]:
    from apps.accounts.models import User
    from apps.invoices.duplicates import number_key
    from apps.invoices.models import Invoice, InvoiceLine
    from apps.organization.models import CostCenter, LegalEntity, SpendCategory
    from apps.procurement.models import (
        GoodsReceipt,
        GoodsReceiptLine,
        PurchaseOrder,
        PurchaseOrderLine,
        Requisition,
        RequisitionLine,
    )
    from apps.suppliers.models import Supplier

    requester = User.objects.get(email="r@bench.example")
    supplier = Supplier.objects.create(name="Bench Supplies", country="DE", status="approved")
    cc, cat, entity = (
        CostCenter.objects.get(code="CC-100"),
        SpendCategory.objects.get(code="IT-HW"),
        LegalEntity.objects.get(code="DE01"),
    )
    requisitions = Requisition.objects.bulk_create(
        Requisition(
            number=f"B{i:07d}",
            title="bench",
            requester=requester,
            cost_center=cc,
            spend_category=cat,
            legal_entity=entity,
            currency="EUR",
            supplier=supplier,
            status="ordered",
            total=Decimal("250"),
        )
        for i in range(n)
    )
    RequisitionLine.objects.bulk_create(
        RequisitionLine(
            requisition=r,
            line_no=j,
            description=f"Item {j}",
            quantity=Decimal("5"),
            unit_price=Decimal("10"),
        )
        for r in requisitions
        for j in range(1, LINES + 1)
    )
    orders = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-B{i:07d}",
            requisition=r,
            supplier=supplier,
            legal_entity=entity,
            currency="EUR",
            total=Decimal("250"),
            status="received",
        )
        for i, r in enumerate(requisitions)
    )
    order_lines = PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=o,
            line_no=j,
            description=f"Item {j}",
            quantity=Decimal("5"),
            unit_price=Decimal("10"),
            received_quantity=Decimal("5"),
        )
        for o in orders
        for j in range(1, LINES + 1)
    )
    receipts = GoodsReceipt.objects.bulk_create(
        GoodsReceipt(number=f"GR-B{i:07d}", purchase_order=o, received_by=requester)
        for i, o in enumerate(orders)
    )
    GoodsReceiptLine.objects.bulk_create(
        GoodsReceiptLine(receipt=receipt, po_line=order_lines[i * LINES + j], quantity=Decimal("5"))
        for i, receipt in enumerate(receipts)
        for j in range(LINES)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            supplier=supplier,
            invoice_number=f"BINV-{uuid.uuid4().hex[:10]}",
            number_key=number_key(f"x{i}"),
            invoice_date=date.today(),
            currency="EUR",
            purchase_order=o,
            total=Decimal("250"),
            payable=Decimal("250"),
            lines_total=Decimal("250"),
            channel="api",
        )
        for i, o in enumerate(orders)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=inv,
            line_no=k + 1,
            po_line=order_lines[i * LINES + k],
            description=f"Item {k + 1}",
            quantity=Decimal("5"),
            unit_price=Decimal("12") if (i % 10 == 0 and k == 0) else Decimal("10"),
            net_amount=Decimal("60") if (i % 10 == 0 and k == 0) else Decimal("50"),
        )
        for i, inv in enumerate(invoices)
        for k in range(LINES)
    )
    return [str(i.pk) for i in invoices]


def floor(ids: list[str]) -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id, i.purchase_order_id, il.id, il.quantity, il.unit_price, "
            "il.net_amount, pol.quantity, pol.unit_price, grl.quantity "
            "FROM invoices_invoice i JOIN invoices_invoiceline il ON il.invoice_id = i.id "
            "JOIN procurement_purchaseorderline pol ON pol.id = il.po_line_id "
            "JOIN procurement_goodsreceiptline grl ON grl.po_line_id = pol.id "
            "WHERE i.id = ANY(%s::uuid[])",
            [ids],
        )
        rows = cursor.fetchall()
    assert len(rows) == len(ids) * LINES
    return time.perf_counter() - start


def write_floor(ids: list[str]) -> float:
    """One UPDATE writing the line result columns of the same lines (rolled back): the least
    any matcher that stores a result per line must spend besides reading."""
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoices_invoiceline SET match_status = 'matched', match_kind = 'three_way', "
            "price_variance = 0, quantity_variance = 0, match_detail = '{}'::jsonb, "
            "match_policy_version = 'v1' WHERE invoice_id = ANY(%s::uuid[])",
            [ids],
        )
        assert cursor.rowcount == len(ids) * LINES
        transaction.set_rollback(True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10000)
    args = parser.parse_args()
    from apps.invoices.matching import MATCH_SQL
    from apps.invoices.models import Invoice
    from apps.invoices.outcome import invoices_match
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    slug = f"benchmatch{uuid.uuid4().hex[:6]}"
    setup_tenant(slug)
    try:
        with tenant_context(Client.objects.get(slug=slug)):
            with transaction.atomic():
                ids = build(args.invoices)
            with connection.cursor() as cursor:  # statistics, as autovacuum keeps them
                cursor.execute("ANALYZE")
            floor_seconds = min(floor(ids) for _ in range(3))
            spent: list[float] = []

            def time_statement(execute: Any, sql: str, *rest: Any) -> Any:
                began = time.perf_counter()
                try:
                    return execute(sql, *rest)
                finally:
                    if sql is MATCH_SQL:
                        spent.append(time.perf_counter() - began)

            start = time.perf_counter()
            with connection.execute_wrapper(time_statement):
                invoices_match(invoice_ids=ids)
            seconds = time.perf_counter() - start
            statement = sum(spent)
            # after matching: the rolled-back updates leave dead rows the matcher would pay for
            write_seconds = min(write_floor(ids) for _ in range(3))
            approved = Invoice.objects.filter(status="approved", touchless=True).count()
            held = Invoice.objects.filter(status="exception").count()
        lines = len(ids) * LINES
        print(
            f"invoices: {len(ids)} x {LINES} lines; "
            f"approved touchless {approved}, in exception {held}"
        )
        print(f"matching: {seconds:.2f} s = {lines / seconds:,.0f} invoice lines/s (aim >= 5,000)")
        print(f"floor (one SQL join over the same rows, receipts included): {floor_seconds:.3f} s")
        print(f"ratio matching / floor: {seconds / floor_seconds:.1f}x (aim <= 5x)")
        print(
            f"  of which the line statement (compare and store every line's result): "
            f"{statement:.2f} s = {statement / floor_seconds:.1f}x the floor; the rest is each "
            f"invoice's exceptions, status, audit event and outbox event: "
            f"{seconds - statement:.2f} s"
        )
        print(
            f"write floor (one UPDATE of the same lines' result columns): {write_seconds:.3f} s; "
            f"matching / (read + write floors): {seconds / (floor_seconds + write_seconds):.1f}x"
        )
    finally:
        drop_tenant(slug)


if __name__ == "__main__":
    main()
