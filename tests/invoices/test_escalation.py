"""Exception SLAs: an exception open past its due time is escalated once, to the policy's
escalation role and the assignee's manager; the supplier's turn does not count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.events.models import OutboxEvent
from apps.invoices.models import InvoiceException
from apps.invoices.services.escalation import exceptions_sla_sweep
from apps.invoices.services.resolutions import exception_assign, exception_resolve
from apps.policies.document import PolicyError, validate_document
from apps.workflow.models import Notification
from tests.conftest import count_queries

from .test_exceptions import price_exception


def _overdue(*exceptions: InvoiceException) -> None:
    InvoiceException.objects.filter(pk__in=[e.pk for e in exceptions]).update(
        due_at=timezone.now() - timedelta(hours=1)
    )


def test_overdue_exception_escalates_once(
    aporg: Any, in_tenant: Any, receive: Any, api_for: Any
) -> None:
    with in_tenant(aporg.tenant):
        aporg.clerk.manager = aporg.org.manager
        aporg.clerk.save(update_fields=["manager"])
        _invoice, late = price_exception(aporg, receive, number="LATE-1")
        _invoice, asked = price_exception(aporg, receive, number="ASKED-1")
        _invoice, fresh = price_exception(aporg, receive, number="FRESH-1")
        exception_assign(actor=aporg.clerk, exception_id=late.pk, assignee=aporg.clerk)
        exception_resolve(
            actor=aporg.clerk,
            exception_id=asked.pk,
            resolution="request_credit_note",
            comment="Please credit the 2.00 per unit above the order.",
        )
        _overdue(late, asked)

        assert exceptions_sla_sweep() == {"escalated": 1}

        late.refresh_from_db()
        asked.refresh_from_db()
        fresh.refresh_from_db()
        assert late.escalated_at is not None
        assert asked.escalated_at is None  # waiting on the supplier: not the team's clock
        assert fresh.escalated_at is None  # not due yet
        told = dict(
            Notification.objects.filter(subject_id=str(late.invoice_id)).values_list(
                "user__email", "kind"
            )
        )
        assert told == {
            aporg.apmanager.email: "invoice.exception_escalated",
            aporg.apmanager2.email: "invoice.exception_escalated",
            aporg.org.manager.email: "invoice.exception_escalated",  # the assignee's manager
            aporg.clerk.email: "invoice.exception_overdue",
        }
        event = AuditEvent.objects.get(action="invoice.exception_escalated")
        assert event.subject_id == str(late.invoice_id) and event.actor == "system:sla"
        assert event.data["code"] == "price_variance" and event.data["assignee"] == (
            aporg.clerk.email
        )
        assert aporg.apmanager.email in event.data["escalated_to"]
        assert OutboxEvent.objects.filter(
            event_type="invoice.exception_escalated", subject_id=str(late.invoice_id)
        ).exists()

        # running the sweep again (beat every few minutes) changes nothing
        assert exceptions_sla_sweep() == {"escalated": 0}
        assert Notification.objects.filter(subject_id=str(late.invoice_id)).count() == 4

    body = api_for(aporg.tenant, aporg.clerk).get("/api/v1/exceptions/?status=overdue").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["id"] for row in rows] == [str(late.pk)]
    assert rows[0]["escalated_at"] is not None


def test_sweep_queries_do_not_grow_with_overdue_exceptions(
    aporg: Any, in_tenant: Any, receive: Any
) -> None:
    with in_tenant(aporg.tenant):
        few = [price_exception(aporg, receive, number=f"F-{i}")[1] for i in range(2)]
        _overdue(*few)
        queries_for_few = count_queries(exceptions_sla_sweep)
        many = [price_exception(aporg, receive, number=f"M-{i}")[1] for i in range(7)]
        _overdue(*many)
        queries_for_many = count_queries(exceptions_sla_sweep)
        assert InvoiceException.objects.filter(escalated_at__isnull=False).count() == 9
    assert queries_for_many == queries_for_few


def test_escalation_role_must_be_a_role(aporg: Any, in_tenant: Any) -> None:
    from apps.policies.selectors import policy_published

    with in_tenant(aporg.tenant):
        document = policy_published().document
    with pytest.raises(PolicyError) as refused:
        validate_document({**document, "invoices": {"exception_escalation_role": "nobody"}})
    assert "invoices.exception_escalation_role" in refused.value.errors
    checked = validate_document(
        {**document, "invoices": {"exception_escalation_role": "compliance"}}
    )
    assert checked["invoices"]["exception_escalation_role"] == "compliance"
