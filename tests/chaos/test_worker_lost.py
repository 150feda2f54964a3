"""A worker SIGKILLed while it matches a batch, or while it builds an evidence pack: the task
was acknowledged late, so the next worker gets it again, and the work is done exactly once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from apps.assurance.models import EvidencePack
from apps.assurance.packs import evidence_pack_request
from apps.audit.models import AuditEvent
from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoices_import
from apps.procurement.services.receiving import goods_receipt_post
from apps.tenancy.context import tenant_context
from config import queues
from tests.invoices.conftest import committed_ap, make_order

from .conftest import Processes, wait

BATCH = 150


def _broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _clear_broker() -> None:
    """This session's broker holds nothing: the next task a worker takes is the one under
    test (no earlier nudge, no message a killed worker left unacknowledged)."""
    _broker().delete(*queues.consumed(), "unacked", "unacked_index")


def _kill_once_it_holds_a_task(processes: Processes, env: dict[str, str], name: str) -> None:
    """Start a worker, and SIGKILL it the moment it has taken a task (unacknowledged)."""
    broker = _broker()
    before = broker.hlen("unacked")
    worker = processes.worker(env, name)
    wait(lambda: broker.hlen("unacked") > before, timeout=60, what=f"{name} to take the task")
    processes.kill(worker)


def _csv(order: Any, tax_id: str) -> bytes:
    line = order.lines.get()
    rows = ["supplier_tax_id,supplier_name,invoice_number,invoice_date,due_date,currency,"
            "po_number,po_line,description,quantity,unit_price,tax_rate,invoice_total"]  # fmt: skip
    today = date.today()
    for n in range(1, BATCH + 1):
        net = n * 2
        rows.append(
            f"{tax_id},Contoso GmbH,CHAOS-{n:04d},{today - timedelta(days=n % 20)},"
            f"{today + timedelta(days=30)},EUR,{order.number},{line.line_no},Cable,{n},2.00,19,"
            f"{net * 1.19:.2f}"
        )
    return ("\r\n".join(rows) + "\r\n").encode()


def test_a_killed_worker_leaves_the_batch_and_the_pack_done_once(
    committed_org: dict[str, Any],
    django_db_blocker: Any,
    processes: Processes,
    chaos_env: Any,
) -> None:
    env = chaos_env()
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():
            ap = committed_ap(committed_org)
            clerk, receiver, auditor = ap.clerk, ap.receiver, ap.auditor
            supplier, people = ap.supplier, ap.people
            order = make_order(people, [("Cable", "20000", "2.00")])
            goods_receipt_post(
                actor=receiver,
                order_id=order.pk,
                lines=[{"po_line": order.lines.get().pk, "quantity": "20000"}],
            )
        _clear_broker()  # the receipt's re-match nudge is not the task under test
        # one import, one batch of BATCH invoices, one matching task (sent at commit)
        invoices = invoices_import(
            actor=clerk,
            upload=SimpleUploadedFile("batch.csv", _csv(order, supplier.tax_id), "text/csv"),
        )
        ids = [i.pk for i in invoices]
        assert len(ids) == BATCH
        waiting = Invoice.objects.filter(pk__in=ids, status="received").count()
        assert waiting > BATCH * 0.9  # (intake may hold one or two as suspected duplicates)

        _kill_once_it_holds_a_task(processes, env, "matcher-1")
        # killed mid-task: the batch's transaction never committed
        assert Invoice.objects.filter(pk__in=ids, status="received").count() == waiting
        processes.worker(env, "matcher-2")
        wait(
            lambda: not Invoice.objects.filter(pk__in=ids, status="received").exists(),
            what="the next worker to match the batch",
        )
        matched = AuditEvent.objects.filter(
            action="invoice.matched", subject_id__in=[str(i) for i in ids]
        )
        assert matched.count() == waiting  # once each, not twice
        assert len(set(matched.values_list("subject_id", flat=True))) == waiting

        processes.stop_all()  # no worker running when the pack is asked for
        _clear_broker()
        with transaction.atomic():  # the pack's task is sent at commit
            pack = evidence_pack_request(
                actor=auditor,
                period_start=date.today() - timedelta(days=1),
                period_end=date.today(),
            )
        _kill_once_it_holds_a_task(processes, env, "reporter-1")
        assert EvidencePack.objects.get(pk=pack.pk).status == "queued"
        processes.worker(env, "reporter-2")
        wait(
            lambda: EvidencePack.objects.get(pk=pack.pk).status == "ready",
            what="the next worker to build the pack",
        )
        built = AuditEvent.objects.filter(action="evidence_pack.generated", subject_id=str(pack.pk))
        assert built.count() == 1
