"""A client tenant's day as its partner reads it: the rollup against a hand-built day with
known answers, an empty day, the tenant's own midnight, and the hourly job over every tenant."""

from __future__ import annotations

import io
import itertools
import random
import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.insights.partner import client_day_figures
from apps.insights.tasks import roll_up_client_days
from apps.integrations.models import ErpConnection, InboundEvent, WebhookEndpoint
from apps.invoices.models import Invoice, InvoiceException
from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.procurement.models import Requisition
from apps.tenancy.client_days import hours_histogram, hours_p50
from apps.tenancy.context import tenant_today
from apps.tenancy.models import Client, ClientDay
from apps.workflow.models import ApprovalRoute, ApprovalStep, ApprovalTask
from tests.org import Org, supplier_for

pytestmark = pytest.mark.django_db
_serial = itertools.count()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _event(at: datetime, actor_id: str, actor: str) -> None:
    n = next(_serial)
    AuditEvent.objects.create(
        at=at,
        actor_id=actor_id,
        actor=actor,
        action="test.happened",
        subject_type="test",
        subject_id=str(n),
        prev_hash=f"{n:064d}",
        hash=f"{n + 10**9:064d}",
    )


def _requisition(org: Org, submitted_at: datetime | None) -> None:
    Requisition.objects.create(
        number=f"T-{next(_serial)}",
        title="Toner",
        requester=org.requester,
        cost_center=CostCenter.objects.get(code="CC-100"),
        spend_category=SpendCategory.objects.get(code="IT-HW"),
        legal_entity=LegalEntity.objects.get(code="US01"),
        currency="USD",
        status="pending_approval" if submitted_at else "draft",
        submitted_at=submitted_at,
    )


def _invoice(supplier: str, created_at: datetime, status: str, **extra: Any) -> Invoice:
    invoice = Invoice.objects.create(
        supplier_id=supplier,
        invoice_number=f"INV-{next(_serial)}",
        number_key=f"inv{next(_serial)}",
        invoice_date=created_at.date(),
        currency="USD",
        total=Decimal("100.00"),
        payable=Decimal("100.00"),
        channel="api",
        status=status,
        **extra,
    )
    Invoice.objects.filter(pk=invoice.pk).update(created_at=created_at)
    return invoice


def _exception(
    invoice: Invoice, created: datetime, due: datetime, status: str, **extra: Any
) -> None:
    exc = InvoiceException.objects.create(
        invoice=invoice,
        code="price_variance",
        category="price",
        queue="ap",
        detail="x",
        due_at=due,
        status=status,
        **extra,
    )
    InvoiceException.objects.filter(pk=exc.pk).update(created_at=created)


def _task(org: Org, created: datetime, decided: datetime | None, status: str) -> None:
    route = ApprovalRoute.objects.create(
        subject_type="requisition",
        subject_id="r",
        requester=org.requester,
        policy_version="1",
        rule_id="r",
    )
    step = ApprovalStep.objects.create(route=route, sequence=1, sla_hours=24, reason="r")
    task = ApprovalTask.objects.create(
        step=step, subject_type="requisition", subject_id="r", assignee=org.approver, status=status
    )
    ApprovalTask.objects.filter(pk=task.pk).update(created_at=created, decided_at=decided)


def _build_day(org: Org, day: date, in_tenant: Any) -> None:
    """One day with known answers, and the days around it holding what must not count."""
    supplier = supplier_for(org, in_tenant)
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    requester, approver = str(org.requester.pk), str(org.approver.pk)
    _event(_at(day, 9), requester, org.requester.email)
    _event(_at(day, 10), requester, org.requester.email)
    _event(_at(day, 11), approver, org.approver.email)
    _event(_at(day, 12), "", "system:sla-sweep")  # no person
    _event(_at(after, 9), requester, org.requester.email)  # another day
    for submitted in (_at(day, 8), _at(day, 16), _at(after, 8), None):
        _requisition(org, submitted)
    _invoice(supplier, _at(day, 8), "approved", touchless=True)
    _invoice(supplier, _at(day, 9), "approved")
    waiting = _invoice(supplier, _at(day, 10), "received")
    disputed = _invoice(supplier, _at(day, 11), "exception")
    _invoice(supplier, _at(day, 12), "approved", touchless=True, kind="credit_note")
    _invoice(supplier, _at(before, 12), "approved", touchless=True)
    # at the day's end: open, overdue (due that morning)
    _exception(disputed, _at(before, 9), _at(day, 6), "open")
    # open then (resolved the next day), not yet due
    _exception(disputed, _at(day, 8), _at(after, 20), "resolved", resolved_at=_at(after, 10))
    _exception(disputed, _at(day, 8), _at(day, 9), "resolved", resolved_at=_at(day, 15))
    _exception(disputed, _at(after, 8), _at(after, 9), "open")  # not there yet
    # waiting for the supplier: open, but its SLA clock is paused
    _exception(waiting, _at(day, 1), _at(day, 2), "waiting_supplier")
    _task(org, _at(day, 8), _at(day, 9), "approved")  # 1 h
    _task(org, _at(before, 10), _at(day, 10), "rejected")  # 24 h
    _task(org, _at(day, 8), _at(day, 11), "approved")  # 3 h
    _task(org, _at(day, 8), _at(day, 12), "superseded")  # no decision of its own
    _task(org, _at(day, 8), _at(after, 12), "approved")  # another day
    _task(org, _at(day, 8), None, "open")
    WebhookEndpoint.objects.create(url="https://a.example/h", secret_encrypted="x")
    WebhookEndpoint.objects.create(
        url="https://b.example/h", secret_encrypted="x", failing_since=_at(day, 1)
    )
    WebhookEndpoint.objects.create(
        url="https://c.example/h",
        secret_encrypted="x",
        enabled=False,
        disabled_reason="Every delivery failed for 3 days.",
    )
    erp = ErpConnection.objects.create(name="SAP", secret_encrypted="x")
    ErpConnection.objects.create(name="Healthy", secret_encrypted="x")
    for n, status in enumerate(("failed", "failed", "applied")):
        InboundEvent.objects.create(
            connection=erp, message_id=f"m{n}", event_type="invoice.posted", status=status
        )


def test_a_day_rolls_up_to_its_known_figures(org: Org, in_tenant: Any) -> None:
    day = timezone.now().date() - timedelta(days=10)
    with in_tenant(org.tenant):
        _build_day(org, day, in_tenant)
        figures = client_day_figures(day)
        quiet = client_day_figures(day - timedelta(days=5))
    assert figures == {
        "active_users": 2,
        "last_activity": _at(day, 11),
        "requisitions_submitted": 2,
        "invoices_received": 4,
        "invoices_decided": 3,
        "invoices_touchless": 1,
        "exceptions_open": 3,
        "exceptions_overdue": 1,
        "approvals_decided": 3,
        "approval_hours": {"1": 1, "3": 1, "24": 1},
        "health": {"failing_webhooks": 2, "failing_erp": 1, "stuck_tasks": 1},
    }
    assert quiet["active_users"] == quiet["invoices_decided"] == quiet["approvals_decided"] == 0
    assert quiet["approval_hours"] == {} and quiet["last_activity"] is None


def test_a_day_ends_at_the_tenants_own_midnight(org: Org, tenant_a: Any, in_tenant: Any) -> None:
    tenant_a.time_zone = "Europe/Berlin"
    tenant_a.save(update_fields=["time_zone"])
    day = date(2026, 1, 14)
    with in_tenant(tenant_a):
        supplier = supplier_for(org, in_tenant)
        _invoice(supplier, _at(day, 23, 30), "approved", touchless=True)  # 00:30 in Berlin
        _invoice(supplier, _at(day, 22, 59), "approved")  # 23:59 in Berlin
        on_the_day, next_day = client_day_figures(day), client_day_figures(date(2026, 1, 15))
        assert tenant_today(_at(day, 23, 30)) == date(2026, 1, 15)
    assert (on_the_day["invoices_received"], on_the_day["invoices_touchless"]) == (1, 0)
    assert (next_day["invoices_received"], next_day["invoices_touchless"]) == (1, 1)


def test_the_hourly_job_keeps_today_and_yesterday_of_every_tenant(
    tenant_a: Any, tenant_b: Any, in_tenant: Any
) -> None:
    tenant_b.time_zone = "Pacific/Auckland"
    tenant_b.save(update_fields=["time_zone"])
    counts = roll_up_client_days()
    tenants = Client.objects.exclude(schema_name="public")
    assert counts["failed"] == 0 and counts["tenants"] == tenants.count()
    for tenant in (tenant_a, tenant_b):
        with in_tenant(tenant):
            today = tenant_today()
        days = set(ClientDay.objects.filter(client=tenant).values_list("day", flat=True))
        assert days == {today, today - timedelta(days=1)}
    # run again: the same rows, replaced
    roll_up_client_days()
    assert ClientDay.objects.filter(client__in=[tenant_a, tenant_b]).count() == 4


def test_the_median_read_from_the_histogram_is_within_its_bucket() -> None:
    rng = random.Random(31)
    for scale in (0.5, 3, 20, 90, 400):
        hours = [rng.expovariate(1 / scale) for _ in range(501)]
        estimate = hours_p50(hours_histogram(hours))
        true = statistics.median(hours)
        assert estimate is not None
        assert abs(estimate - true) <= (0.25 if true < 24 else 1 if true < 720 else 0)
        assert abs(estimate - true) <= max(0.05 * true, 0.25)
    assert hours_p50({}) is None


def test_the_backfill_command_computes_the_days_asked_for(tenant_a: Any, in_tenant: Any) -> None:
    from django.core.management import CommandError, call_command

    call_command("insights_rollup", days=5, stdout=io.StringIO())
    with in_tenant(tenant_a):
        today = tenant_today()
    days = ClientDay.objects.filter(client=tenant_a).values_list("day", flat=True)
    assert sorted(days) == [today - timedelta(days=n) for n in range(4, -1, -1)]
    with pytest.raises(CommandError):
        call_command("insights_rollup", days=0)


def _standing_breaks(monkeypatch: Any, module: str) -> None:
    """The standing's figures fail in the database itself (an error the query raises, which
    aborts the transaction it runs in), as a broken figure would."""
    from django.db import connection

    def broken(**_kwargs: Any) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
        return {}

    monkeypatch.setattr(f"{module}.client_standing_figures", broken)


def test_a_failing_standing_does_not_lose_the_days(
    tenant_a: Any, in_tenant: Any, monkeypatch: Any
) -> None:
    from apps.tenancy.models import ClientStanding

    kept = list(ClientStanding.objects.filter(client=tenant_a).values_list("computed_at"))
    _standing_breaks(monkeypatch, "apps.insights.partner")
    counts = roll_up_client_days()
    assert counts["failed"] == 0
    with in_tenant(tenant_a):
        today = tenant_today()
    days = set(ClientDay.objects.filter(client=tenant_a).values_list("day", flat=True))
    assert days == {today, today - timedelta(days=1)}  # kept, in spite of the standing
    # the standing as it was: the next run keeps a new one
    assert list(ClientStanding.objects.filter(client=tenant_a).values_list("computed_at")) == kept


def test_a_failing_standing_does_not_stop_a_tenant_being_provisioned(
    db: None, monkeypatch: Any
) -> None:

    from apps.tenancy.models import ClientStanding
    from tests.conftest import partner_signed_in

    _standing_breaks(monkeypatch, "apps.insights.standing")
    browser = partner_signed_in("partner@partner.test")
    created = browser.post(
        "/partner/",
        {
            "name": "Umbrella",
            "slug": "umbrella",
            "domain": "umbrella.localhost",
            "default_language": "en",
            "portal_name": "Umbrella Purchasing",
            "primary_color": "#223344",
            "accent_color": "#000000",
        },
    )
    assert created.status_code == 302
    client = Client.objects.get(slug="umbrella")
    assert not ClientStanding.objects.filter(client=client).exists()  # the hourly run's
    assert roll_up_client_days()["failed"] == 0
    monkeypatch.undo()
    roll_up_client_days()
    assert ClientStanding.objects.filter(client=client).exists()
