"""The KPI definitions: what each figure of `/insights/` and `GET /api/v1/insights/` counts,
exactly, with the market benchmark people compare it with. docs/insights.md is written from
this table (a test keeps them equal); apps.insights.figures computes them.

Conventions every figure follows:
- A period is a range of days in the tenant's time zone (`Client.time_zone`), both days
  included: from the first day's local midnight up to the local midnight after the last
  (apps.controls.periods). An event counts in the period when its timestamp falls inside.
- A rate is a count over a count, from 0 to 1; when the count below is 0 the rate is `null`
  and `why_null` says why — never a 0 pretending to be a value. Durations are hours (days
  where named so), p50/p90 are PostgreSQL's `percentile_cont` (interpolated).
- Figures are of what the reader may see: an AP clerk's exceptions are those of the queues
  they work, a person limited to legal entities sees those entities' orders, and the
  `legal_entity` filter keeps invoices and exceptions on that entity's orders (an invoice on no
  order has no entity, so it drops out of an entity's figures).
- "Now" figures (open, overdue, aging, blocked, non-compliant) are a snapshot when the page
  is read, whatever the period.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

BENCHMARK_SOURCE = _(
    "Ardent Partners, APQC and IOFM accounts-payable studies: best-in-class vs average"
)


@dataclass(frozen=True)
class Benchmark:
    best: float
    average: float
    higher_is_better: bool

    def verdict(self, value: float | None) -> str:
        """`best` (at or past best in class), `average` (between), `worse` (behind the
        average), `unknown` when the figure cannot be computed."""
        if value is None:
            return "unknown"
        sign = 1 if self.higher_is_better else -1
        if sign * (value - self.best) >= 0:
            return "best"
        return "average" if sign * (value - self.average) >= 0 else "worse"


@dataclass(frozen=True)
class Kpi:
    key: str  # section.figure, as in the API answer
    label: str | Promise
    unit: str  # count | rate | hours | days | money
    formula: str | Promise
    benchmark: Benchmark | None = None


# Which sections a reader sees: the whole page with `view_insights`; otherwise the sections of
# their own work. A section they may not see is `null` in the API and listed in `withheld`.
SECTIONS: dict[str, frozenset[str]] = {
    "invoices": frozenset({"view_insights", "process_invoices"}),
    "exceptions": frozenset({"view_insights", "process_invoices"}),
    "payments": frozenset({"view_insights", "process_invoices"}),
    "duplicates": frozenset({"view_insights", "process_invoices"}),
    "approvals": frozenset({"view_insights", "approve"}),
    "requisitions": frozenset({"view_insights", "manage_purchase_orders"}),
    "suppliers": frozenset({"view_insights", "manage_purchase_orders", "manage_suppliers"}),
    "advice": frozenset({"view_insights"}),
}

RECEIVED = _("invoices (credit notes aside) that arrived in the period")
DECIDED = _("of those, the ones matching has decided (no longer only received)")

KPIS: tuple[Kpi, ...] = (
    Kpi("invoices.received", _("Invoices received"), "count", RECEIVED),
    Kpi(
        "invoices.touchless_rate",
        _("Touchless rate"),
        "rate",
        _("decided invoices that no person touched (touchless) divided by decided invoices"),
        Benchmark(0.65, 0.24, True),
    ),
    Kpi(
        "invoices.first_pass_match_rate",
        _("First-pass match"),
        "rate",
        _(
            "decided invoices on an order that never raised an exception, divided by decided"
            " invoices on an order"
        ),
        Benchmark(0.90, 0.70, True),
    ),
    Kpi(
        "invoices.exception_rate",
        _("Exception rate"),
        "rate",
        _(
            "decided invoices with at least one exception, divided by decided invoices (also"
            " per channel)"
        ),
        Benchmark(0.10, 0.23, False),
    ),
    Kpi(
        "invoices.cycle_days_p50",
        _("Invoice cycle time"),
        "days",
        _("median time from arrival to approval, in days, of the period's invoices"),
        Benchmark(3.0, 8.0, False),
    ),
    Kpi(
        "invoices.receipt_to_approval_hours_p50",
        _("Receipt to approval"),
        "hours",
        _(
            "median of approval minus the order's latest goods receipt before it, for the period's"
            " approved invoices on an order with a receipt"
        ),
    ),
    Kpi(
        "invoices.cost_per_invoice",
        _("Cost per invoice"),
        "money",
        _("not computed: Spendgate knows no processing costs (benchmark $2 best, $10 average)"),
    ),
    Kpi(
        "exceptions.raised",
        _("Exceptions raised"),
        "count",
        _("exceptions raised in the period, by category, code and supplier"),
    ),
    Kpi(
        "exceptions.open",
        _("Open exceptions"),
        "count",
        _("now: exceptions open, waiting for the supplier or for a second person"),
    ),
    Kpi(
        "exceptions.overdue",
        _("Overdue exceptions"),
        "count",
        _(
            "now: open or waiting for a second person, past their due time"
            " (the supplier's wait aside)"
        ),
    ),
    Kpi(
        "exceptions.hours_to_resolve_p50",
        _("Time to resolve"),
        "hours",
        _(
            "mean, p50 and p90 of the time from raised to resolved, of exceptions resolved in"
            " the period"
        ),
    ),
    Kpi(
        "exceptions.aging",
        _("Exception aging"),
        "count",
        _("now: open exceptions by whole days since raised: 0-7, 8-30, 31-60, 61+"),
    ),
    Kpi(
        "exceptions.escalated",
        _("Exceptions escalated"),
        "count",
        _("exceptions the SLA sweep escalated in the period"),
    ),
    Kpi(
        "approvals.hours_p50",
        _("Approval latency"),
        "hours",
        _(
            "p50 and p90 of the time from assignment to decision of approval tasks approved or"
            " rejected in the period, overall, by the step's role and by the requisition's cost"
            " center"
        ),
    ),
    Kpi(
        "approvals.escalated",
        _("Approval steps escalated"),
        "count",
        _("approval steps escalated in the period"),
    ),
    Kpi(
        "approvals.overrides",
        _("Control overrides"),
        "count",
        _(
            "exceptions resolved in the period by overriding the control (accepting a variance"
            " outside tolerance, releasing a suspected duplicate), by person"
        ),
    ),
    Kpi(
        "approvals.sod_refusals",
        _("Segregation-of-duties refusals"),
        "count",
        _(
            "audit events in the period of an action refused (any refusal or segregation-of-duties"
            " violation)"
        ),
    ),
    Kpi(
        "requisitions.auto_approval_share",
        _("Auto-approved requisitions"),
        "rate",
        _(
            "requisitions submitted in the period that the policy approved at once"
            " (approved by the policy, no person deciding) divided by requisitions submitted"
        ),
    ),
    Kpi(
        "requisitions.to_po_hours_p50",
        _("Requisition to PO"),
        "hours",
        _("median time from submission to the order's issue, for the period's requisitions"),
    ),
    Kpi(
        "requisitions.spend",
        _("Spend on and off contract"),
        "money",
        _("totals of requisitions submitted in the period and approved or ordered, by currency"),
    ),
    Kpi(
        "suppliers.onboarding_days_p50",
        _("Supplier onboarding lead time"),
        "days",
        _("median time from invitation to approval, of suppliers approved in the period"),
    ),
    Kpi(
        "suppliers.blocked",
        _("Blocked and non-compliant suppliers"),
        "count",
        _("now: suppliers blocked; suppliers whose documents leave them non-compliant"),
    ),
    Kpi(
        "payments.on_time_rate",
        _("Paid on time"),
        "rate",
        _(
            "invoices paid in the period on or before their due date (the payment's day in the"
            " tenant's zone) divided by invoices paid in the period that had a due date"
        ),
    ),
    Kpi(
        "payments.discount_captured",
        _("Early-payment discount captured and missed"),
        "money",
        _(
            "of invoices paid in the period with an early-payment discount: total times discount %,"
            " captured when paid by the discount date, missed when after; by currency"
        ),
    ),
    Kpi(
        "duplicates.caught",
        _("Duplicates caught"),
        "count",
        _(
            "suspected duplicates raised in the period and not released as 'not a duplicate';"
            " their value is the held invoices' totals by currency"
        ),
    ),
    Kpi(
        "advice.acceptance_rate",
        _("AI advice accepted"),
        "rate",
        _(
            "pieces of advice followed / pieces followed or overridden, of the advice the AI"
            " assistants showed in the period (all assistants together; the API gives each one too)"
        ),
    ),
)
BY_KEY = {kpi.key: kpi for kpi in KPIS}
