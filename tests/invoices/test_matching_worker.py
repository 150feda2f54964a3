"""Matching runs in a real Celery worker on the `matching` queue: an invoice received commits
and the worker matches it; a goods receipt commits and the worker re-matches the invoice that
was waiting on it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.procurement.services.receiving import goods_receipt_post
from apps.tenancy.context import tenant_context
from tests.conftest import poll

from .conftest import committed_ap, invoice_body, make_order, validated


def _status(invoice_id: Any) -> str:
    return Invoice.objects.values_list("status", flat=True).get(pk=invoice_id)


def test_the_worker_matches_and_rematches_after_a_receipt(
    committed_org: dict[str, Any], django_db_blocker: Any, celery_worker_process: None
) -> None:
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():
            ap = committed_ap(committed_org)
            clerk, receiver, people = ap.clerk, ap.receiver, ap.people
            received = make_order(people, [("Monitor", "3", "200.00")])
            waiting = make_order(people, [("Dock", "2", "150.00")])
            goods_receipt_post(
                actor=receiver,
                order_id=received.pk,
                lines=[{"po_line": received.lines.get().pk, "quantity": "3"}],
            )
        with transaction.atomic():  # the matching task is sent when this commits
            clean = invoice_create(actor=clerk, data=validated(invoice_body(received)))
            early = invoice_create(
                actor=clerk, data=validated(invoice_body(waiting, number="DOCK-1"))
            )
        assert _status(clean.pk) == _status(early.pk) == Invoice.Status.RECEIVED

        poll(
            lambda: _status(clean.pk) == Invoice.Status.APPROVED,
            what="the worker to match the clean invoice",
        )
        poll(
            lambda: _status(early.pk) == Invoice.Status.EXCEPTION,
            what="the worker to hold the invoice invoiced before delivery",
        )
        clean.refresh_from_db()
        assert clean.touchless and clean.matched_at is not None
        assert list(early.exceptions.values_list("code", "queue")) == [("not_received", "receiver")]

        with transaction.atomic():  # the re-match task is sent when the receipt commits
            goods_receipt_post(
                actor=receiver,
                order_id=waiting.pk,
                lines=[{"po_line": waiting.lines.get().pk, "quantity": "2"}],
            )
        poll(
            lambda: _status(early.pk) == Invoice.Status.APPROVED,
            what="the worker to re-match after the receipt",
        )
        exception = early.exceptions.get()
        assert (exception.status, exception.resolution) == ("resolved", "cleared_by_rematch")
        early.refresh_from_db()
        assert not early.touchless  # it was held once: not straight-through


def test_matching_tasks_are_routed_to_the_matching_queue() -> None:
    from apps.invoices.tasks import rematch_waiting_on_receipt
    from apps.matching.tasks import match_invoices, match_stalled_invoices
    from config.celery import app

    for task in (match_invoices, match_stalled_invoices, rematch_waiting_on_receipt):
        assert app.amqp.router.route({}, task.name)["queue"].name == "matching"
    # matching's tasks keep the names they had in accounts payable, so tasks queued before a
    # deploy still find their worker
    assert match_invoices.name == "apps.invoices.tasks.match_invoices"
    stalled = app.tasks["apps.invoices.tasks.match_stalled_invoices"]
    assert stalled.name == match_stalled_invoices.name
