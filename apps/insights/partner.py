"""One client tenant's figures for one of its days, as its partner reads them: computed inside
the tenant's schema, one aggregate query per table, and kept in the public schema by the
hourly rollup (apps.insights.tasks) through `apps.tenancy.figure_stores.client_day_store`.

The definitions are those of the tenant's own figures (docs/insights.md):
- active users: distinct people (not a `system:` actor) with an event in the trail that day;
  last activity: the latest such event up to the day's end;
- requisitions: submitted that day; invoices received: invoices (credit notes aside) created
  that day, decided: of those, no longer `received`, touchless: of the decided, touchless;
- exceptions open (open, waiting for the supplier or for a second person) and overdue (of
  those, the SLA clock running and past due) at the day's end, or now for the day running;
- approvals decided: tasks approved or rejected that day, with hours from task to decision;
- health, now: webhook endpoints failing or disabled by their failures, ERP connections with a
  dead letter, and work stuck in a queue (invoices still `received` an hour after they
  arrived, outbox events undelivered after an hour: beat's catch-up should have taken both
  within minutes).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import structlog
from django.db import DatabaseError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.controls.periods import Period
from apps.events.models import OutboxEvent
from apps.invoices.figures import INVOICE_FIGURES
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.selectors import OPEN_STATES, SLA_STATES
from apps.procurement.models import Requisition
from apps.tenancy.client_days import hours_histogram
from apps.tenancy.context import client_tenants, tenant_today, tenant_zone
from apps.tenancy.figure_stores import client_day_store, client_standing_store
from apps.tenancy.models import Client
from apps.workflow.models import ApprovalTask

from .standing import client_standing_figures, connectors_failing

log = structlog.get_logger("spendgate.insights")
STUCK_AFTER = timedelta(hours=1)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The tenant's day, midnight to midnight in its time zone (23 or 25 hours across DST),
    as the tenant's own figures read a period."""
    period = Period(day, day, tenant_zone())
    return period.since, period.until


def _people(start: datetime, end: datetime) -> dict[str, Any]:
    person = ~Q(actor_id="") & ~Q(actor__startswith="system:")
    figures = AuditEvent.objects.filter(person, at__lt=end).aggregate(
        active_users=Count("actor_id", filter=Q(at__gte=start), distinct=True),
        last_activity=Max("at"),
    )
    return figures


def _invoices(start: datetime, end: datetime, now: datetime) -> dict[str, int]:
    # decided and touchless as the tenant's own figures count them (apps.invoices.figures)
    of_the_day = Q(kind=Invoice.Kind.INVOICE, created_at__gte=start, created_at__lt=end)
    stuck = Q(status=Invoice.Status.RECEIVED, created_at__lt=now - STUCK_AFTER)
    return Invoice.objects.filter(of_the_day | stuck).aggregate(
        invoices_received=Count("pk", filter=of_the_day),
        invoices_decided=Count("pk", filter=of_the_day & INVOICE_FIGURES["decided"]()),
        invoices_touchless=Count("pk", filter=of_the_day & INVOICE_FIGURES["touchless"]()),
        invoices_stuck=Count("pk", filter=stuck),
    )


def _exceptions(at: datetime) -> dict[str, int]:
    """Open and overdue at `at`: those created before it and open now or resolved after it.
    For `at` = now this is the exceptions list's own count; for a past day's end, an exception
    resolved since counts as overdue if it was due before then (its pauses are not kept)."""
    still = Q(resolved_at__gte=at)
    return InvoiceException.objects.filter(created_at__lt=at).aggregate(
        exceptions_open=Count("pk", filter=Q(status__in=OPEN_STATES) | still),
        exceptions_overdue=Count(
            "pk", filter=(Q(status__in=SLA_STATES) | still) & Q(due_at__lt=at)
        ),
    )


def _approvals(start: datetime, end: datetime) -> dict[str, Any]:
    took = ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    durations = (
        ApprovalTask.objects.filter(
            status__in=[ApprovalTask.Status.APPROVED, ApprovalTask.Status.REJECTED],
            decided_at__gte=start,
            decided_at__lt=end,
        )
        .annotate(took=took)
        .values_list("took", flat=True)
    )
    hours = [duration.total_seconds() / 3600 for duration in durations]
    return {"approvals_decided": len(hours), "approval_hours": hours_histogram(hours)}


def _health(now: datetime, invoices_stuck: int) -> dict[str, int]:
    connectors = connectors_failing()
    outbox = OutboxEvent.objects.filter(
        dispatched_at__isnull=True, created_at__lt=now - STUCK_AFTER
    ).count()
    return {
        "failing_webhooks": connectors["webhooks_failing"],
        "failing_erp": connectors["erp_failing"],
        "stuck_tasks": invoices_stuck + outbox,
    }


def client_day_figures(day: date, *, now: datetime | None = None) -> dict[str, Any]:
    """The current tenant's figures for `day` (its own day), as `ClientDay` keeps them."""
    now = now or timezone.now()
    start, end = day_bounds(day)
    invoices = _invoices(start, end, now)
    stuck = invoices.pop("invoices_stuck")
    return {
        **_people(start, end),
        "requisitions_submitted": Requisition.objects.filter(
            submitted_at__gte=start, submitted_at__lt=end
        ).count(),
        **invoices,
        **_exceptions(min(now, end)),
        **_approvals(start, end),
        "health": _health(now, stuck),
    }


def _standing_keep(client: Client, now: datetime) -> None:
    try:
        with transaction.atomic():
            client_standing_store(client=client, figures=client_standing_figures(now=now))
    except Exception:  # the days are kept either way; the next hourly run tries again
        log.exception("client_standing_failed", tenant=client.slug)


def client_days_roll_up(*, days: int = 2, now: datetime | None = None) -> dict[str, int]:
    """For every client tenant, its last `days` days up to its today (in its own time zone)
    and its standing now computed and kept; a tenant whose figures fail is logged and the
    others still run. The standing is kept apart from the days (its own savepoint): a standing
    that fails is logged and leaves the days kept."""
    now = now or timezone.now()
    counts = {"tenants": 0, "days": 0, "failed": 0}
    for client in client_tenants():
        today = tenant_today(now)
        try:
            with transaction.atomic():
                for offset in range(days):
                    day = today - timedelta(days=offset)
                    figures = client_day_figures(day, now=now)
                    client_day_store(client=client, day=day, figures=figures)
                _standing_keep(client, now)
        except DatabaseError:
            log.exception("client_days_roll_up_failed", tenant=client.slug)
            counts["failed"] += 1
            continue
        counts["tenants"] += 1
        counts["days"] += days
    return counts
