"""The figures of a period, as apps.insights.kpis defines them: one aggregate query per
section (a handful in all, whatever the volume), over what the reader may see. The answer is
CONTRACT §3a's object; a figure that cannot be computed is `null` and `why_null` says why."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Aggregate,
    Avg,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from apps.accounts.models import User
from apps.assistants.selectors import advice_acceptance
from apps.audit.models import AuditEvent
from apps.controls.entities import within_entities
from apps.controls.periods import Period
from apps.invoices.figures import (
    AGES,
    INVOICE_FIGURES,
    aged,
    exceptions_drilled,
    invoices_drilled,
)
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.selectors import (
    OPEN_STATES,
    SLA_STATES,
    exceptions_visible_to,
    invoices_visible_to,
)
from apps.procurement.models import GoodsReceipt, Requisition
from apps.suppliers.models import Supplier
from apps.workflow.models import ApprovalStep, ApprovalTask

from .kpis import SECTIONS

OVERRIDES = ("override", "release_duplicate")
SPENT = (Requisition.Status.APPROVED, Requisition.Status.ORDERED)


class Hours(Func):
    """Hours between two instants: Hours(end, start)."""

    arg_joiner = " - "
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)"
    output_field = FloatField()


class Percentile(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=fraction, **extra)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def money(rows: list[Any], key: str) -> dict[str, str]:
    return {r["currency"]: f"{r[key]:.2f}" for r in rows if r[key]}


def sections_for(user: User) -> set[str]:
    held = {p.removeprefix("accounts.") for p in user.get_all_permissions()}
    return {name for name, needs in SECTIONS.items() if needs & held}


def insights_figures(user: User, period: Period, legal_entity: str | None = None) -> dict:
    """Every section the reader may see for the period (CONTRACT §3a), plus `withheld`
    (sections of others' work, `null` here) and `why_null` (each `null` figure's reason)."""
    scope = Scope(user, period, legal_entity or None, timezone.now())
    shown = sections_for(user)
    answer: dict[str, Any] = {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "legal_entity": scope.entity,
        "time_zone": period.zone.key,
    }
    for name, compute in SECTION_FIGURES.items():
        answer[name] = compute(scope) if name in shown else None
    answer["withheld"] = sorted(set(SECTION_FIGURES) - shown)
    answer["why_null"] = why_null(answer)
    return answer


class Scope:
    def __init__(self, user: User, period: Period, entity: str | None, now: datetime) -> None:
        self.user, self.period, self.entity, self.now = user, period, entity, now
        self.span = (period.since, period.until)

    def invoices(self, **more: Any) -> QuerySet[Invoice]:
        return invoices_drilled(
            invoices_visible_to(self.user),
            since=self.period.since,
            until=self.period.until,
            legal_entity=self.entity,
            kind=Invoice.Kind.INVOICE,
            **more,
        )

    def exceptions(self, **more: Any) -> QuerySet[InvoiceException]:
        return exceptions_drilled(
            exceptions_visible_to(self.user), legal_entity=self.entity, now=self.now, **more
        )

    def requisitions(self) -> QuerySet[Requisition]:
        found = within_entities(Requisition.objects.all(), self.user)
        return found.filter(legal_entity__code=self.entity) if self.entity else found


def invoice_figures(scope: Scope) -> dict[str, Any]:
    counts = {name: Count("pk", filter=where()) for name, where in INVOICE_FIGURES.items()}
    rows: list[Any] = list(
        scope.invoices().values("channel").annotate(received=Count("pk"), **counts)
    )
    total = {k: sum(r[k] for r in rows) for k in ("received", *INVOICE_FIGURES)}
    latest_receipt = GoodsReceipt.objects.filter(
        purchase_order=OuterRef("purchase_order"), received_at__lte=OuterRef("approved_at")
    ).order_by("-received_at")
    timing = (
        scope.invoices()
        .filter(approved_at__isnull=False)
        .annotate(receipt_at=Subquery(latest_receipt.values("received_at")[:1]))
        .aggregate(
            cycle=Percentile(Hours("approved_at", "created_at"), 0.5),
            receipt=Percentile(
                Hours("approved_at", "receipt_at"), 0.5, filter=Q(receipt_at__isnull=False)
            ),
        )
    )
    return {
        "received": total["received"],
        "decided": total["decided"],
        "touchless": total["touchless"],
        "touchless_rate": ratio(total["touchless"], total["decided"]),
        "first_pass_match_rate": ratio(total["first_pass"], total["on_order"]),
        "exception_rate": ratio(total["with_exceptions"], total["decided"]),
        "by_channel": {
            r["channel"]: {
                "received": r["received"],
                "exceptions": r["with_exceptions"],
                "exception_rate": ratio(r["with_exceptions"], r["decided"]),
            }
            for r in sorted(rows, key=lambda r: r["channel"])
        },
        "cycle_days_p50": None if timing["cycle"] is None else round(timing["cycle"] / 24, 1),
        "receipt_to_approval_hours_p50": hours(timing["receipt"]),
        "cost_per_invoice": None,
    }


def exception_figures(scope: Scope) -> dict[str, Any]:
    raised = scope.exceptions(raised=scope.span)
    by = {
        key: {r[key]: r["n"] for r in raised.values(key).annotate(n=Count("pk")).order_by(key)}
        for key in ("category", "code")
    }
    suppliers = list(
        raised.values("invoice__supplier_id", "invoice__supplier__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "invoice__supplier__name")[:10]
    )
    resolve = Hours("resolved_at", "created_at")
    resolved = scope.exceptions(resolved=scope.span).aggregate(
        n=Count("pk"),
        mean=Avg(resolve),
        p50=Percentile(resolve, 0.5),
        p90=Percentile(resolve, 0.9),
    )
    ages = {b: Count("pk", filter=aged(b, scope.now)) for b in AGES}
    now = (
        scope.exceptions()
        .filter(status__in=OPEN_STATES)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(status__in=SLA_STATES, due_at__lt=scope.now)),
            **ages,
        )
    )
    escalated = scope.exceptions().filter(
        escalated_at__gte=scope.span[0], escalated_at__lt=scope.span[1]
    )
    return {
        "raised": sum(by["category"].values()),
        "resolved": resolved["n"],
        "open": now["open"],
        "overdue": now["overdue"],
        "escalated": escalated.count(),
        "by_category": by["category"],
        "by_code": by["code"],
        "by_supplier": [
            {"supplier": str(r["invoice__supplier_id"]), "name": r["invoice__supplier__name"]}
            | {"raised": r["n"]}
            for r in suppliers
        ],
        "hours_to_resolve_mean": hours(resolved["mean"]),
        "hours_to_resolve_p50": hours(resolved["p50"]),
        "hours_to_resolve_p90": hours(resolved["p90"]),
        "aging": {b: now[b] for b in AGES},
    }


def _tasks_of_entity(tasks: QuerySet[ApprovalTask], entity: str) -> QuerySet[ApprovalTask]:
    as_text = Cast("pk", CharField())
    requisitions = Requisition.objects.filter(legal_entity__code=entity).annotate(t=as_text)
    invoices = Invoice.objects.filter(purchase_order__legal_entity__code=entity).annotate(t=as_text)
    return tasks.filter(
        Q(subject_type="requisition", subject_id__in=requisitions.values("t"))
        | Q(subject_type="invoice", subject_id__in=invoices.values("t"))
    )


def escalated_steps(scope: Scope) -> int:
    low, high = scope.span
    steps = ApprovalStep.objects.filter(escalated_at__gte=low, escalated_at__lt=high)
    if scope.entity:
        tasks = _tasks_of_entity(ApprovalTask.objects.all(), scope.entity)
        steps = steps.filter(pk__in=tasks.values("step_id"))
    return steps.count()


def decided_tasks(scope: Scope, role: str | None = None) -> QuerySet[ApprovalTask]:
    """The approval tasks decided (approved or rejected) in the period, on documents of the
    legal entity; of one step role ("unknown": a step that kept none). Approval latency counts
    these, and its list (/insights/approvals/) shows them."""
    low, high = scope.span
    tasks = ApprovalTask.objects.filter(
        decided_at__gte=low,
        decided_at__lt=high,
        status__in=[ApprovalTask.Status.APPROVED, ApprovalTask.Status.REJECTED],
    )
    if scope.entity:
        tasks = _tasks_of_entity(tasks, scope.entity)
    if role:
        tasks = tasks.filter(step__role="" if role == "unknown" else role)
    return tasks


def approval_figures(scope: Scope) -> dict[str, Any]:
    low, high = scope.span
    tasks = decided_tasks(scope)
    latency = Hours("decided_at", "created_at")
    summary = tasks.aggregate(
        n=Count("pk"), p50=Percentile(latency, 0.5), p90=Percentile(latency, 0.9)
    )
    by_role = tasks.values("step__role").annotate(
        n=Count("pk"), p50=Percentile(latency, 0.5), p90=Percentile(latency, 0.9)
    )
    cost_center = Requisition.objects.filter(
        pk=Cast(OuterRef("subject_id"), Requisition._meta.pk)
    ).values("cost_center__code")[:1]
    by_center = (
        tasks.filter(subject_type="requisition")
        .annotate(center=Subquery(cost_center))
        .values("center")
        .annotate(n=Count("pk"), p50=Percentile(latency, 0.5))
    )
    resolved = scope.exceptions(resolved=scope.span).filter(resolution__in=OVERRIDES)
    overriders = resolved.values("resolved_by__email", "resolution").annotate(n=Count("pk"))
    refused = AuditEvent.objects.filter(at__gte=low, at__lt=high).filter(
        Q(action__endswith="_refused") | Q(data__code="sod_violation")
    )
    return {
        "decided": summary["n"],
        "hours_p50": hours(summary["p50"]),
        "hours_p90": hours(summary["p90"]),
        "by_role": {
            r["step__role"] or "unknown": {"decided": r["n"]}
            | {"hours_p50": hours(r["p50"]), "hours_p90": hours(r["p90"])}
            for r in sorted(by_role, key=lambda r: r["step__role"] or "")
        },
        "by_cost_center": {
            r["center"] or "none": {"decided": r["n"], "hours_p50": hours(r["p50"])}
            for r in sorted(by_center, key=lambda r: r["center"] or "")
        },
        "escalated": escalated_steps(scope),
        "overrides": sum(r["n"] for r in overriders),
        "overrides_by": [
            {"by": r["resolved_by__email"] or "", "what": r["resolution"], "count": r["n"]}
            for r in sorted(overriders, key=lambda r: (-r["n"], r["resolved_by__email"] or ""))
        ],
        "sod_refusals": refused.count(),
    }


def requisition_figures(scope: Scope) -> dict[str, Any]:
    low, high = scope.span
    submitted = scope.requisitions().filter(submitted_at__gte=low, submitted_at__lt=high)
    by_policy = AuditEvent.objects.filter(
        subject_type="requisition",
        subject_id=Cast(OuterRef("pk"), CharField()),
        action="requisition.approved",
        actor="system:policy",
    )
    summary = submitted.aggregate(
        n=Count("pk"),
        auto=Count("pk", filter=Q(Exists(by_policy))),
        to_po=Percentile(
            Hours("purchase_order__issued_at", "submitted_at"),
            0.5,
            filter=Q(purchase_order__isnull=False),
        ),
    )
    spend: list[Any] = list(
        submitted.filter(status__in=SPENT)
        .values("currency")
        .annotate(
            on=Sum("total", filter=Q(on_contract=True)),
            off=Sum("total", filter=Q(on_contract=False)),
        )
        .order_by("currency")
    )
    return {
        "submitted": summary["n"],
        "auto_approved": summary["auto"],
        "auto_approval_share": ratio(summary["auto"], summary["n"]),
        "to_po_hours_p50": hours(summary["to_po"]),
        "spend_on_contract": money(spend, "on"),
        "spend_off_contract": money(spend, "off"),
    }


def supplier_figures(scope: Scope) -> dict[str, Any]:
    low, high = scope.span
    approved = Q(status=Supplier.Status.APPROVED, decided_at__gte=low, decided_at__lt=high)
    summary = Supplier.objects.aggregate(
        onboarded=Count("pk", filter=approved),
        days=Percentile(Hours("decided_at", "created_at"), 0.5, filter=approved),
        blocked=Count("pk", filter=Q(status=Supplier.Status.BLOCKED)),
        non_compliant=Count("pk", filter=Q(compliance=Supplier.Compliance.NON_COMPLIANT)),
    )
    return {
        "onboarded": summary["onboarded"],
        "onboarding_days_p50": None if summary["days"] is None else round(summary["days"] / 24, 1),
        "blocked": summary["blocked"],
        "non_compliant": summary["non_compliant"],
    }


def payment_figures(scope: Scope) -> dict[str, Any]:
    low, high = scope.span
    paid = invoices_drilled(invoices_visible_to(scope.user), legal_entity=scope.entity).filter(
        paid_at__gte=low, paid_at__lt=high
    )
    paid = paid.annotate(paid_on=TruncDate("paid_at", tzinfo=scope.period.zone))
    discount = F("total") * F("discount_percent") / Decimal(100)
    offered = Q(discount_percent__gt=0, discount_until__isnull=False)
    rows: list[Any] = list(
        paid.values("currency")
        .annotate(
            n=Count("pk"),
            due=Count("pk", filter=Q(due_date__isnull=False)),
            on_time=Count("pk", filter=Q(due_date__isnull=False, paid_on__lte=F("due_date"))),
            captured=Sum(discount, filter=offered & Q(paid_on__lte=F("discount_until"))),
            missed=Sum(discount, filter=offered & Q(paid_on__gt=F("discount_until"))),
        )
        .order_by("currency")
    )
    return {
        "paid": sum(r["n"] for r in rows),
        "on_time_rate": ratio(sum(r["on_time"] for r in rows), sum(r["due"] for r in rows)),
        "discount_captured": money(rows, "captured"),
        "discount_missed": money(rows, "missed"),
    }


def duplicate_figures(scope: Scope) -> dict[str, Any]:
    held = (
        scope.exceptions(raised=scope.span)
        .filter(code="duplicate_suspected")
        .exclude(resolution="release_duplicate")
    )
    rows = list(
        held.values("invoice__currency")
        .annotate(n=Count("pk"), value=Sum("invoice__total"))
        .order_by("invoice__currency")
    )
    return {
        "caught": sum(r["n"] for r in rows),
        "value": {r["invoice__currency"]: f"{r['value']:.2f}" for r in rows},
    }


def advice_figures(scope: Scope) -> dict[str, Any]:
    """Advice the AI assistants showed in the period, and how much of what was decided
    followed it, overall and per assistant (apps.assistants.selectors)."""
    by_assistant = advice_acceptance(*scope.span)
    shown = sum(row["shown"] for row in by_assistant.values())
    accepted = sum(row["followed"] for row in by_assistant.values())
    decided = accepted + sum(row["overridden"] for row in by_assistant.values())
    return {
        "shown": shown,
        "accepted": accepted,
        "acceptance_rate": round(accepted / decided, 4) if decided else None,
        "by_assistant": by_assistant,
    }


SECTION_FIGURES = {
    "invoices": invoice_figures,
    "exceptions": exception_figures,
    "approvals": approval_figures,
    "requisitions": requisition_figures,
    "suppliers": supplier_figures,
    "payments": payment_figures,
    "duplicates": duplicate_figures,
    "advice": advice_figures,
}

# why a figure is null, by its key; rates and percentiles are null when nothing was counted
REASONS = {
    "invoices.cost_per_invoice": "Spendgate knows no processing costs",
    "advice.acceptance_rate": "no advice shown in the period was followed or overridden yet",
}


def why_null(answer: dict[str, Any]) -> dict[str, str]:
    reasons = {}
    for section in SECTION_FIGURES:
        for key, value in (answer.get(section) or {}).items():
            if value is None:
                path = f"{section}.{key}"
                reasons[path] = REASONS.get(path, "nothing in the period to compute it from")
    return reasons


def weekly_trend(scope: Scope, weeks: int = 12) -> list[dict[str, Any]]:
    """Touchless and exception rates per week (weeks start on Monday in the tenant's zone) for
    the `weeks` weeks up to the period's end."""
    from django.db.models.functions import TruncWeek

    end = scope.period.until
    start = end - timedelta(weeks=weeks)
    found = invoices_drilled(
        invoices_visible_to(scope.user),
        since=start,
        until=end,
        legal_entity=scope.entity,
        kind=Invoice.Kind.INVOICE,
    )
    rows: Any = (
        found.annotate(week=TruncWeek("created_at", tzinfo=scope.period.zone))
        .values("week")
        .annotate(
            **{name: Count("pk", filter=INVOICE_FIGURES[name]()) for name in INVOICE_FIGURES},
            received=Count("pk"),
        )
        .order_by("week")
    )
    return [
        {
            "week": r["week"].date().isoformat(),
            "received": r["received"],
            "touchless_rate": ratio(r["touchless"], r["decided"]),
            "exception_rate": ratio(r["with_exceptions"], r["decided"]),
        }
        for r in rows
    ]
