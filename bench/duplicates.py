"""The duplicate check against a large store of invoices.

Builds a throwaway tenant holding N invoices (default 200,000) over 50 suppliers and a year
of dates, then runs the layered check (same file, same normalised number, 3 of 4 signals)
for 200 new invoices, half of them near-duplicates, and prints the median and p95 per
invoice beside a primary-key lookup in the same run (the floor). Aim: median <= 5 ms.

    python bench/duplicates.py [--stored 200000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aims import aim
from django.db import transaction
from submit import drop_tenant, setup_tenant

BATCH = 20000


def build(stored: int) -> list[tuple]:
    from apps.invoices.duplicates import number_key
    from apps.invoices.models import Invoice
    from apps.suppliers.models import Supplier

    suppliers = Supplier.objects.bulk_create(
        Supplier(name=f"Bench supplier {i}", country="DE", status="approved") for i in range(50)
    )
    rng = random.Random(7)
    start = date.today() - timedelta(days=365)
    rows = []
    for at in range(0, stored, BATCH):
        chunk = []
        for i in range(at, min(stored, at + BATCH)):
            number = f"INV-{i:07d}"
            chunk.append(
                Invoice(
                    supplier=suppliers[i % 50],
                    invoice_number=number,
                    number_key=number_key(number),
                    invoice_date=start + timedelta(days=rng.randrange(365)),
                    currency="EUR",
                    total=Decimal(rng.randrange(100, 500000)) / 100,
                    payable=Decimal("1"),
                    channel="api",
                    file_sha256=uuid.uuid4().hex * 2,
                    status="approved",
                )
            )
        Invoice.objects.bulk_create(chunk)
        rows.extend((c.supplier_id, c.invoice_number, c.invoice_date, c.total) for c in chunk[:10])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=200000)
    args = parser.parse_args()
    from apps.invoices.duplicates import find_duplicate
    from apps.invoices.models import Invoice
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    slug = f"benchdup{uuid.uuid4().hex[:6]}"
    setup_tenant(slug)
    try:
        with tenant_context(Client.objects.get(slug=slug)):
            with transaction.atomic():
                samples = build(args.stored)
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE invoices_invoice")
            rng = random.Random(11)
            checks, floor, caught = [], [], 0
            for i in range(200):
                supplier_id, number, day, total = rng.choice(samples)
                if i % 2:  # a near-duplicate: the same invoice, spelled differently
                    number, day = number.replace("INV-", "inv #"), day + timedelta(days=3)
                else:  # a new invoice
                    number, total = f"NEW-{uuid.uuid4().hex[:8]}", total + Decimal("0.07")
                begin = time.perf_counter()
                found = find_duplicate(
                    supplier_id=supplier_id, number=number, invoice_date=day, total=total,
                    sha256=uuid.uuid4().hex * 2,
                )  # fmt: skip
                checks.append(time.perf_counter() - begin)
                caught += bool(found) and i % 2 == 1
                begin = time.perf_counter()
                Invoice.objects.filter(supplier_id=supplier_id, invoice_date=day).exists()
                floor.append(time.perf_counter() - begin)
        median, p95 = statistics.median(checks), sorted(checks)[int(len(checks) * 0.95)]
        print(f"stored invoices: {args.stored}; near-duplicates caught: {caught}/100")
        print(f"duplicate check: median {median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (aim <= 5)")
        print(f"floor (one indexed lookup): median {statistics.median(floor) * 1000:.2f} ms")
        print(f"ratio: {median / statistics.median(floor):.1f}x")
        aim("duplicate check / indexed lookup, median", median / statistics.median(floor), 3)
    finally:
        drop_tenant(slug)


if __name__ == "__main__":
    main()
