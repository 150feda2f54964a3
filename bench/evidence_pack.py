"""An evidence pack of 1,000 audit events, beside WeasyPrint rendering a plain table of the
same events (the floor), in the same run.

Builds a throwaway tenant with one supplier whose trail holds N events, builds its pack the
way the reports worker does (gathering, chain verification, rendering, storing, auditing the
SHA-256) and prints seconds, pages and pages per second for both, and the ratio. Machines are
noisy: read the ratio. The tenant's trail also holds `--history` other events before the
supplier's, and the nightly check has run (a checkpoint), as in a tenant that has lived a
while: the pack reads its own events up to the checkpoint, not that history, and says how many.

    python bench/evidence_pack.py [--events 1000] [--history 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aims import aim
from django.db import transaction
from submit import PASSWORD, drop_tenant, setup_tenant


def build(events: int, history: int) -> str:
    from apps.assurance.tasks import verify_audit_chains
    from apps.audit.services import audit_record_many
    from apps.suppliers.models import Supplier

    with transaction.atomic():
        audit_record_many(
            [
                {
                    "actor": "system:matching",
                    "action": "invoice.matched",
                    "subject_type": "invoice",
                    "subject_id": f"inv-{i}",
                    "after": {"status": "approved"},
                }
                for i in range(history)
            ]
        )
    supplier = Supplier.objects.create(name="Bench Supplies", country="DE", status="approved")
    with transaction.atomic():
        audit_record_many(
            [
                {
                    "actor": f"clerk{i % 7}@bench.example",
                    "action": "supplier.profile_updated",
                    "subject_type": "supplier",
                    "subject_id": supplier.pk,
                    "policy_version": "v1",
                    "after": {"phone": f"+49 30 {i:07d}"},
                    "data": {"changed": ["phone"], "note": f"update {i}"},
                }
                for i in range(events)
            ]
        )
    verify_audit_chains()  # the nightly check; a tenant's first is whole and sets a checkpoint
    return str(supplier.pk)


def floor(subject_id: str) -> tuple[float, int]:
    """WeasyPrint rendering the same events as one plain table (fixed layout, as the pack's
    event table), nothing else."""
    from django.utils.html import escape
    from weasyprint import HTML

    from apps.audit.models import AuditEvent

    start = time.perf_counter()
    rows = "".join(
        f"<tr><td>{e.pk}</td><td>{e.at:%Y-%m-%d %H:%M:%S}</td><td>{escape(e.actor)}</td>"
        f"<td>{e.action}</td><td>{escape(str(e.data))}</td><td>{e.prev_hash}<br>{e.hash}</td></tr>"
        for e in AuditEvent.objects.filter(subject_id=subject_id).order_by("id")
    )
    html = (
        "<style>@page{size:A4;margin:18mm 14mm}body{font-size:8pt}"
        "table{table-layout:fixed;width:100%}td{border:1px solid #bbb;font-size:6.5pt;"
        "word-break:break-all}</style><table><colgroup><col style='width:10mm'>"
        "<col style='width:22mm'><col style='width:28mm'><col style='width:28mm'><col>"
        "<col style='width:60mm'></colgroup>" + rows + "</table>"
    )
    document = HTML(string=html).render()
    document.write_pdf()
    return time.perf_counter() - start, len(document.pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--history", type=int, default=20000)
    args = parser.parse_args()
    from apps.accounts.services import user_ensure
    from apps.assurance.models import ChainCheck
    from apps.assurance.packs import evidence_pack_build, evidence_pack_request
    from apps.audit.models import AuditEvent
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    slug = f"benchpack{uuid.uuid4().hex[:6]}"
    setup_tenant(slug)
    try:
        with tenant_context(Client.objects.get(slug=slug)):
            subject_id = build(args.events, args.history)
            admin = user_ensure(email="auditor@bench.example", password=PASSWORD, roles=["auditor"])
            floor_seconds, floor_pages = floor(subject_id)
            pack = evidence_pack_request(
                actor=admin, subject_type="supplier", subject_id=subject_id
            )
            start = time.perf_counter()
            pack = evidence_pack_build(pack.pk)
            seconds = time.perf_counter() - start
            check = ChainCheck.objects.filter(trigger="pack").latest("checked_at")
            chain = AuditEvent.objects.count()
        print(f"pack: {pack.events} audit events, {pack.pages} pages, {pack.size:,} bytes")
        print(f"pack's chain check ({check.scope}): {check.count:,} of the {chain:,} events read")
        print(f"pack: {seconds:.2f} s = {pack.pages / seconds:.1f} pages/s")
        print(
            f"floor (WeasyPrint, a plain table of the same events): {floor_seconds:.2f} s, "
            f"{floor_pages} pages = {floor_pages / floor_seconds:.1f} pages/s"
        )
        print(f"ratio pack / floor: {seconds / floor_seconds:.2f}x")
        aim("evidence pack / plain table", seconds / floor_seconds, 2)
    finally:
        drop_tenant(slug)


if __name__ == "__main__":
    main()
