"""The alert rules: each a small function that answers the conditions true now, one per
subject, with the thresholds of the policy's `alerts` section (apps/policies/alert_section.py;
a threshold of `null` turns its rule off). Adding a rule is adding a function and a line in
`RULES`, and its condition in SQL in due.py (beat evaluates only where one may hold);
docs/operations.md lists them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from redis import RedisError

from apps.assurance.models import ChainCheck
from apps.audit.models import AuditEvent
from apps.events.services import events_chain_link
from apps.inbox.models import MailMessage
from apps.integrations.models import DeliveryAttempt, ErpConnection, InboundEvent, WebhookEndpoint
from apps.invoices.exception_codes import QUEUES
from apps.invoices.models import InvoiceException
from apps.invoices.selectors import OPEN_STATES
from apps.payments.bank_days import is_bank_day
from apps.payments.models import PaymentRun
from apps.telemetry.heartbeats import age as heartbeat_age
from apps.telemetry.heartbeats import stale_after
from apps.workflow.models import ApprovalStep


@dataclass(frozen=True)
class Condition:
    """A condition true now: `rule` and `key` are its dedup key."""

    rule: str
    kind: str  # connector, policy, people, platform
    key: str
    subject: str
    link: str
    detail: str


Thresholds = dict[str, Any]
Rule = Callable[[Thresholds, datetime], list[Condition]]


def exception_queue_stale(t: Thresholds, now: datetime) -> list[Condition]:
    hours = t["exception_queue_oldest_hours"]
    if hours is None:
        return []
    oldest = (
        InvoiceException.objects.filter(status__in=OPEN_STATES)
        .values("queue")
        .annotate(oldest=Min("created_at"), open=Count("pk"))
        .filter(oldest__lt=now - timedelta(hours=hours))
        .order_by("queue")
    )
    return [
        Condition(
            "exception_queue_stale",
            "policy",
            row["queue"],
            _("Exception queue %s") % QUEUES.get(row["queue"], ("", row["queue"]))[1],
            f"{reverse('exceptions-page')}?queue={row['queue']}",
            _("The oldest of %(n)d open exceptions waits since %(at)s (over %(h)s hours).")
            % {"n": row["open"], "at": row["oldest"].isoformat(timespec="minutes"), "h": hours},
        )
        for row in oldest
    ]


def approval_sla_breaches(t: Thresholds, now: datetime) -> list[Condition]:
    most = t["approval_sla_breaches"]
    if most is None:
        return []
    late = ApprovalStep.objects.filter(status=ApprovalStep.Status.OPEN, due_at__lt=now).count()
    if late <= most:
        return []
    return [
        Condition(
            "approval_sla_breaches",
            "people",
            "approvals",
            _("Approvals past their SLA"),
            reverse("inbox"),
            _("%(n)d approval steps are past their SLA (more than %(most)s).")
            % {"n": late, "most": most},
        )
    ]


def _all_failed(codes: list[int | None], n: int) -> bool:
    return len(codes) >= n and all(c is None or not 200 <= c < 300 for c in codes)


def webhook_endpoint_failing(t: Thresholds, now: datetime) -> list[Condition]:
    n = t["connector_failures"]
    if n is None:
        return []
    found = []
    for endpoint in WebhookEndpoint.objects.order_by("created_at"):
        last = list(
            DeliveryAttempt.objects.filter(delivery__endpoint=endpoint)
            .order_by("-at", "-pk")
            .values_list("status_code", flat=True)[:n]
        )
        if _all_failed(last, n):
            found.append(
                Condition(
                    "webhook_endpoint_failing",
                    "connector",
                    str(endpoint.pk),
                    _("Webhook endpoint %s") % endpoint.url[:250],
                    reverse("integrations-page"),
                    _("Its last %(n)d delivery attempts failed%(off)s.")
                    % {"n": n, "off": "" if endpoint.enabled else _(" and it is disabled")},
                )
            )
    return found


def erp_connection_failing(t: Thresholds, now: datetime) -> list[Condition]:
    n = t["connector_failures"]
    if n is None:
        return []
    found = []
    for erp in ErpConnection.objects.filter(enabled=True):
        last = list(
            InboundEvent.objects.filter(connection=erp)
            .order_by("-received_at", "-pk")
            .values_list("status", flat=True)[:n]
        )
        if len(last) >= n and all(s == InboundEvent.Status.FAILED for s in last):
            found.append(
                Condition(
                    "erp_connection_failing",
                    "connector",
                    str(erp.pk),
                    _("ERP connection %s") % erp.name,
                    reverse("integrations-page"),
                    _("Its last %d events could not be applied (dead letters).") % n,
                )
            )
    return found


def mail_quarantine_share(t: Thresholds, now: datetime) -> list[Condition]:
    percent, minimum = t["mail_quarantine_percent"], t["mail_quarantine_minimum"]
    if percent is None:
        return []
    day = MailMessage.objects.filter(received_at__gte=now - timedelta(days=1)).aggregate(
        all=Count("pk"), quarantined=Count("pk", filter=~Q(reason=""))
    )
    if day["all"] < (minimum or 1) or day["quarantined"] * 100 <= percent * day["all"]:
        return []
    return [
        Condition(
            "mail_quarantine_share",
            "connector",
            "invoice_mail",
            _("Invoice e-mail intake"),
            reverse("invoice-mail-list-page"),
            _("%(q)d of %(n)d mails in the last day were quarantined (more than %(p)s%%).")
            % {"q": day["quarantined"], "n": day["all"], "p": percent},
        )
    ]


def audit_chain_broken(t: Thresholds, now: datetime) -> list[Condition]:
    if not t["audit_chain"]:
        return []
    latest = ChainCheck.objects.order_by("-checked_at", "-pk").first()
    if latest is None or latest.valid:
        return []
    return [
        Condition(
            "audit_chain_broken",
            "platform",
            "audit_chain",
            _("Audit trail"),
            reverse("audit-home"),
            _("The hash chain check of %(at)s failed at event %(id)s.")
            % {"at": latest.checked_at.isoformat(timespec="minutes"), "id": latest.first_bad},
        )
    ]


# an event the chainer has not linked after this long: its tenant had no commit since the
# chainer last found a writer in flight, or the chainer cannot get the chain's lock
UNLINKED_AFTER = timedelta(minutes=10)


def audit_chain_unlinked(t: Thresholds, now: datetime) -> list[Condition]:
    """Events committed and still not linked into the chain after UNLINKED_AFTER. The rule
    links what is waiting first (waiting for the writers in flight), so it raises only when
    that fails: until linked, an event is outside what the chain proves."""
    if not t["audit_chain"]:
        return []
    if AuditEvent.objects.filter(hash__isnull=True, at__lt=now - UNLINKED_AFTER).exists():
        events_chain_link()
    stale = AuditEvent.objects.filter(hash__isnull=True, at__lt=now - UNLINKED_AFTER).aggregate(
        n=Count("id"), oldest=Min("at")
    )
    if not stale["n"]:
        return []
    return [
        Condition(
            "audit_chain_unlinked",
            "platform",
            "audit_chain",
            _("Audit trail"),
            reverse("audit-home"),
            _("%(n)d events since %(at)s are not linked into the hash chain yet.")
            % {"n": stale["n"], "at": stale["oldest"].isoformat(timespec="minutes")},
        )
    ]


def bank_days_since(currency: str, day: date, today: date) -> int:
    """Bank days after `day`, up to and including `today`."""
    return sum(
        is_bank_day(currency, day + timedelta(days=i)) for i in range(1, (today - day).days + 1)
    )


def payment_run_unconfirmed(t: Thresholds, now: datetime) -> list[Condition]:
    days = t["payment_unconfirmed_bank_days"]
    if days is None:
        return []
    runs = PaymentRun.objects.filter(status=PaymentRun.Status.RELEASED).order_by("released_at")
    return [
        Condition(
            "payment_run_unconfirmed",
            "people",
            str(run.pk),
            _("Payment run %s") % run.number,
            reverse("payment-run-page", args=[run.pk]),
            _("Released %(at)s and not confirmed by the bank after %(n)d bank days.")
            % {"at": run.released_at.date().isoformat(), "n": days},
        )
        for run in runs
        if run.released_at
        and bank_days_since(run.currency, run.released_at.date(), now.date()) >= days
    ]


def worker_stopped(t: Thresholds, now: datetime) -> list[Condition]:
    """The background worker beat and then stopped: matching, deliveries and the other rules'
    evaluation wait. Beat's own process evaluates this rule (apps.alerts.scheduler), since the
    evaluation is otherwise a worker task. A worker that never beat is `/readyz`'s to report."""
    try:
        seconds = heartbeat_age("worker")
    except RedisError:
        return []
    if seconds is None or seconds <= stale_after():
        return []
    return [
        Condition(
            "worker_stopped",
            "platform",
            "worker",
            _("Background worker"),
            "/settings/operations/",
            _("No heartbeat for %d minutes: matching, webhook deliveries and alerts wait.")
            % (seconds // 60),
        )
    ]


RULES: list[tuple[str, str, Rule]] = [
    # (rule, kind, function): docs/operations.md lists them with their thresholds
    ("exception_queue_stale", "policy", exception_queue_stale),
    ("approval_sla_breaches", "people", approval_sla_breaches),
    ("webhook_endpoint_failing", "connector", webhook_endpoint_failing),
    ("erp_connection_failing", "connector", erp_connection_failing),
    ("mail_quarantine_share", "connector", mail_quarantine_share),
    ("audit_chain_broken", "platform", audit_chain_broken),
    ("audit_chain_unlinked", "platform", audit_chain_unlinked),
    ("payment_run_unconfirmed", "people", payment_run_unconfirmed),
    ("worker_stopped", "platform", worker_stopped),
]
# evaluated by beat's scheduler in every tenant, the worker's own stop included
BEAT_RULES = ("worker_stopped",)


def conditions_now(
    thresholds: Thresholds, now: datetime, rules: Iterable[str] | None = None
) -> list[Condition]:
    chosen = None if rules is None else set(rules)
    return [
        c
        for rule, _kind, check in RULES
        if chosen is None or rule in chosen
        for c in check(thresholds, now)
    ]
