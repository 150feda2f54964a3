"""What `/settings/operations/` reads of one tenant, each a fixed number of aggregate or
limited queries however many rows there are: its queues and their age, failing connectors
with their last error, dead letters (the newest, with their count), the last audit-chain
check, and the open business alerts. Reads only: the page's
buttons post to the actions `/settings/integrations/` already has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.alerts.models import Alert
from apps.alerts.selectors import alerts_open
from apps.assurance.models import ChainCheck
from apps.events.models import OutboxEvent
from apps.integrations.models import (
    DeliveryAttempt,
    ErpConnection,
    InboundEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.selectors import SLA_STATES
from apps.workflow.models import ApprovalTask

DEAD_LETTERS_SHOWN = 10
INTEGRATIONS = "/settings/integrations/"


@dataclass(frozen=True)
class Queue:
    key: str
    label: str | Promise
    waiting: int
    oldest: datetime | None  # since when the oldest waits (or is due, for the overdue)
    link: str
    # how many of `waiting` are failing (webhook deliveries tried and not yet delivered)
    failing: int | None = None

    @property
    def age_seconds(self) -> float | None:
        return None if self.oldest is None else (timezone.now() - self.oldest).total_seconds()


def _counted(queryset: QuerySet[Any], since: str, **extra: Any) -> dict[str, Any]:
    return queryset.aggregate(waiting=Count("pk"), oldest=Min(since), **extra)


def queues(now: datetime | None = None) -> list[Queue]:
    """One aggregate per queue: how many wait and since when the oldest does."""
    now = now or timezone.now()
    deliveries = _counted(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING),
        "created_at",
        failing=Count("pk", filter=Q(attempts__gt=0)),
    )
    return [
        Queue(
            "invoices_received",
            _("Invoices waiting to be matched"),
            **_counted(Invoice.objects.filter(status=Invoice.Status.RECEIVED), "created_at"),
            link="/invoices/?status=received",
        ),
        Queue(
            "outbox",
            _("Events waiting to be dispatched"),
            **_counted(OutboxEvent.objects.filter(dispatched_at__isnull=True), "created_at"),
            link=INTEGRATIONS,
        ),
        Queue("deliveries", _("Webhook deliveries waiting"), **deliveries, link=INTEGRATIONS),
        Queue(
            "approvals_overdue",
            _("Approval tasks past due"),
            **_counted(
                ApprovalTask.objects.filter(status=ApprovalTask.Status.OPEN, step__due_at__lt=now),
                "step__due_at",
            ),
            link="/insights/",
        ),
        Queue(
            "exceptions_overdue",
            _("Exceptions overdue"),
            **_counted(
                InvoiceException.objects.filter(status__in=SLA_STATES, due_at__lt=now), "due_at"
            ),
            link="/exceptions/?status=overdue",
        ),
    ]


def failing_endpoints() -> list[WebhookEndpoint]:
    """Webhook endpoints failing, or switched off by their failures, each with its last
    failed attempt (`last_error`, `last_status_code`, `last_attempt_at`)."""
    last = (
        DeliveryAttempt.objects.filter(delivery__endpoint=OuterRef("pk"))
        .filter(~Q(error="") | ~Q(status_code__range=(200, 299)))
        .order_by("-at")
    )
    failing = Q(failing_since__isnull=False) | (Q(enabled=False) & ~Q(disabled_reason=""))
    return list(
        WebhookEndpoint.objects.filter(failing)
        .annotate(
            last_error=Subquery(last.values("error")[:1]),
            last_status_code=Subquery(last.values("status_code")[:1]),
            last_attempt_at=Subquery(last.values("at")[:1]),
        )
        .order_by("failing_since", "url")
    )


def failing_erp_connections() -> list[ErpConnection]:
    """ERP connections with events not applied, each with their count and the newest one's
    reason (`failed`, `last_error`, `last_failed_at`)."""
    newest = InboundEvent.objects.filter(
        connection=OuterRef("pk"), status=InboundEvent.Status.FAILED
    ).order_by("-received_at")
    return list(
        ErpConnection.objects.annotate(
            failed=Count("events", filter=Q(events__status=InboundEvent.Status.FAILED)),
            last_error=Subquery(newest.values("reason")[:1]),
            last_failed_at=Subquery(newest.values("received_at")[:1]),
        )
        .filter(failed__gt=0)
        .order_by("name")
    )


def dead_letters() -> dict[str, Any]:
    """The newest dead webhook deliveries and ERP events not applied, with how many there are
    in all (the full, paged lists are on `/settings/integrations/`)."""
    dead = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DEAD)
    failed = InboundEvent.objects.filter(status=InboundEvent.Status.FAILED)
    return {
        "deliveries": list(
            dead.select_related("endpoint", "event").order_by("-created_at", "-pk")[
                :DEAD_LETTERS_SHOWN
            ]
        ),
        "deliveries_total": dead.count(),
        "inbound": list(
            failed.select_related("connection").order_by("-received_at", "-pk")[:DEAD_LETTERS_SHOWN]
        ),
        "inbound_total": failed.count(),
    }


def last_chain_check() -> ChainCheck | None:
    return ChainCheck.objects.order_by("-checked_at").first()


def open_alerts() -> list[Alert]:
    """The open business alerts (apps.alerts), newest first: one query."""
    return list(alerts_open())
