"""Accounts payable's due probes (apps/invoices/due.py), counted on the real broker: the
exception SLA sweep and matching's catch-up go only to a tenant with work due, do that work,
and then go nowhere."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.services.resolutions import exception_resolve
from apps.invoices.tasks import sweep_exception_slas
from apps.matching.tasks import match_stalled_invoices
from tests import world
from tests.beat import beat_round

pytestmark = pytest.mark.django_db


def test_the_catch_up_goes_where_an_invoice_waits_unmatched(
    aporg: Any, tenant_b: Any, in_tenant: Any, receive: Any, tmp_path: Path
) -> None:
    mine, other = aporg.tenant.schema_name, tenant_b.schema_name
    with in_tenant(aporg.tenant):
        invoice = world.received(aporg, receive, number="STALLED-1")  # its own task matches it
    sent = beat_round("match-stalled-invoices", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)

    with in_tenant(aporg.tenant):  # its task never reached a worker
        Invoice.objects.filter(pk=invoice.pk).update(created_at=timezone.now() - timedelta(hours=1))
    sent = beat_round("match-stalled-invoices", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(aporg.tenant):
        match_stalled_invoices(older_than_seconds=120)
        invoice.refresh_from_db()
        assert invoice.status != Invoice.Status.RECEIVED

    sent = beat_round("match-stalled-invoices", tmp_path)
    assert sent[mine] == 0


def test_the_sla_sweep_skips_what_it_would_not_escalate(
    aporg: Any, in_tenant: Any, receive: Any, tmp_path: Path
) -> None:
    """Overdue while the supplier is asked for a credit note, or escalated already: not due."""
    mine = aporg.tenant.schema_name
    with in_tenant(aporg.tenant):
        asked = world.price_exception(aporg, receive, "ASKED-9")
        exception_resolve(
            actor=aporg.clerk,
            exception_id=asked.pk,
            resolution="request_credit_note",
            comment="Please credit the difference.",
        )
        late = world.price_exception(aporg, receive, "LATE-9")
        world.due_past(asked)
        world.due_past(late)
    assert beat_round("sweep-exception-slas", tmp_path)[mine] == 1
    with in_tenant(aporg.tenant):
        assert sweep_exception_slas() == {"escalated": 1}
        assert InvoiceException.objects.get(pk=asked.pk).escalated_at is None
    assert beat_round("sweep-exception-slas", tmp_path)[mine] == 0
