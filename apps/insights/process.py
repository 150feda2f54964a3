"""The process map: the path requisitions and invoices really took, mined from the audit trail.

A *case* is one requisition (its own events, and those of its purchase order, under which the
goods receipts are recorded too: `PurchaseOrder.requisition`) or one invoice (its own events,
the exceptions' among them, and those recorded on its exceptions: `InvoiceException.invoice`).
Its *activities* are its events' actions in the order of (`at`, `id`), with three readings of
the trail made explicit: a requisition approved by the system (`system:policy`) is
`requisition.auto_approved`, an invoice's match is `invoice.matched.<the status it left>`, and
`approval.step_opened` (the route's bookkeeping: each step is shown by its decision) is left out.
A case belongs to the period in which its first event falls (its days in the tenant's time
zone, both included, as every insights page reads a period: apps.controls.periods): the
event that opens it (`Kind.opening`: `requisition.created`, `invoice.received`), which every
service path records first.

Why plain SQL and not a process-mining library. pm4py would discover the same directly-follows
graph, but it works on a pandas frame of every event of every case, so a month of a busy tenant
(3,000,000 events in the trail) would travel from PostgreSQL into the web process for each page.
What the map needs is a directly-follows count with its median duration, the variants and a few
conformance counts: one statement with window functions (`LAG` over each case's events in
(`at`, `id`) order) and aggregates computes them where the rows are, and the page receives a few
dozen rows whatever the trail's size. The cases of a period are read from the trail's
(`action`, `at`) index alone (audit migration 0008); each case's events by a probe of
(`subject_type`, `subject_id`). Measured with 3,000,000 events in one tenant (some 7,000 cases
and 70,000 events in a month) on a shared two-core machine, one map takes 0.4-0.8 s, nearly all
of it the aggregation of the month's events: the 150 ms aim needs the cases kept as a rollup
(their paths and transition times, appended as cases close), which this module does not yet do.

Conformance, decided from the actions the services really record:
- *skipped steps* (`Kind.skip_rules`): a case that reached a later activity without the step the
  policy puts before it — a purchase order issued for a requisition with neither an approval nor
  an auto-approval before it; a requisition approved that was never submitted; an invoice
  approved (`invoice.approved`) without a match before it; an invoice posted or paid without an
  approval (by a person, or by a clean match) before it.
- *rework*: a case in which an activity that happens once in a straight run happens again
  (`Kind.rework`): a requisition resubmitted (sent back to draft, or routed again for the supplier a
  buyer chose), approved or sourced again; an invoice matched again (rematched), routed for
  approval again, its supplier or lines corrected again. Several approval decisions (a route of
  several steps), several receipts of one order (partial deliveries) and several exceptions of
  one invoice are the process working, not rework.
- *approvals after the PO*: a requisition with an approval event (`approval.approved`,
  `requisition.approved`) after its purchase order was issued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction

from apps.audit.models import AuditEvent
from apps.controls.guards import require
from apps.controls.periods import Period, period_of
from apps.invoices.models import Invoice, InvoiceException
from apps.procurement.models import PurchaseOrder, Requisition
from apps.tenancy.context import tenant_zone

from .process_labels import activity_label

READERS = ("accounts.view_insights",)
TOP_VARIANTS = 10
CASES_SHOWN = 200
IGNORED = ("approval.step_opened",)
MATCHED = tuple(f"invoice.matched.{status}" for status in Invoice.Status.values)
# a month of a busy tenant is some 100,000 events: sorted and hashed in memory, not in temporary
# files (the server's default is 4 MB per sort), for this statement's transaction only
WORK_MEM = "SET LOCAL work_mem = '64MB'"
UUID_TEXT = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


@dataclass(frozen=True)
class SkipRule:
    """`step` (any of `required`) must come before the first of `then`."""

    step: str
    required: tuple[str, ...]
    then: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    subject_type: str
    opening: str  # the action that opens a case (its first event)
    linked_type: str  # the subject the case's other events are recorded under
    linked_table: str
    linked_key: str  # the linked table's column naming the case
    skip_rules: tuple[SkipRule, ...]
    rework: tuple[str, ...]  # actions whose repetition in one case is rework


KINDS = {
    "requisition": Kind(
        "requisition",
        "requisition.created",
        "purchase_order",
        PurchaseOrder._meta.db_table,
        PurchaseOrder._meta.get_field("requisition").column,
        (
            SkipRule(
                "requisition.approved",
                ("requisition.approved", "requisition.auto_approved"),
                ("purchase_order.issued",),
            ),
            SkipRule(
                "requisition.submitted",
                ("requisition.submitted",),
                ("requisition.approved", "requisition.auto_approved", "approval.approved"),
            ),
        ),
        ("requisition.submitted", "requisition.approved", "requisition.sourced"),
    ),
    "invoice": Kind(
        "invoice",
        "invoice.received",
        "invoice_exception",
        InvoiceException._meta.db_table,
        InvoiceException._meta.get_field("invoice").column,
        (
            SkipRule("invoice.matched", MATCHED, ("invoice.approved",)),
            SkipRule(
                "invoice.approved",
                ("invoice.approved", "invoice.matched.approved"),
                ("invoice.posted", "invoice.paid"),
            ),
        ),
        (
            "invoice.matched",
            "invoice.route_started",
            "invoice.supplier_chosen",
            "invoice.lines_confirmed",
        ),
    ),
}
APPROVALS = ("approval.approved", "requisition.approved")


def may_read(user: Any) -> bool:
    """Whether a person may read the process map (the page asks before it answers)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and any(user.has_perm(p) for p in READERS)
    )


def process_period(first: date | None, last: date | None) -> Period:
    """The period as every insights page reads it (apps.controls.periods: both days included,
    in the tenant's days; the last 30 days by default; refusals 422 validation_error)."""
    return period_of(first, last, tenant_zone())


# ----------------------------------------------------------------------------- the statement
_ACTIVITY = """CASE
      WHEN e.action = 'requisition.approved' AND starts_with(e.actor, 'system:')
        THEN 'requisition.auto_approved'
      WHEN e.action = 'invoice.matched'
        THEN 'invoice.matched.' || coalesce(e.after ->> 'status', '')
      ELSE e.action END"""


def _steps_sql(kind: Kind) -> str:
    """The CTEs down to `steps`: each event of each case of the period, with its activity,
    its place in the case (`seq`), and the activity and time of the event before it."""
    audit = AuditEvent._meta.db_table
    return f"""
WITH cases AS MATERIALIZED (
  SELECT case_id, row_number() OVER (ORDER BY case_id) AS cn
  FROM (SELECT DISTINCT e.subject_id AS case_id FROM {audit} e
        WHERE e.action = %(opening)s AND e.at >= %(start)s AND e.at < %(end)s) opened
),
linked AS (
  SELECT c.cn, l.id::text AS subject_id
  FROM cases c
  JOIN {kind.linked_table} l ON l.{kind.linked_key} =
    CASE WHEN c.case_id ~ %(uuid)s THEN c.case_id::uuid END
),
ev AS (
  -- OFFSET 0 keeps each case's look-up a probe of the (subject_type, subject_id) index: a
  -- month's cases are a small part of the trail, never worth a scan of all of it
  SELECT c.cn, e.id, e.at, e.action, e.activity
  FROM cases c CROSS JOIN LATERAL (
    SELECT e.id, e.at, e.action, {_ACTIVITY} AS activity
    FROM {audit} e
    WHERE e.subject_type = %(kind)s AND e.subject_id = c.case_id
      AND e.action <> ALL(%(ignored)s)
    OFFSET 0) e
  UNION ALL
  SELECT l.cn, e.id, e.at, e.action, e.activity
  FROM linked l CROSS JOIN LATERAL (
    SELECT e.id, e.at, e.action, {_ACTIVITY} AS activity
    FROM {audit} e
    WHERE e.subject_type = %(linked)s AND e.subject_id = l.subject_id
      AND e.action <> ALL(%(ignored)s)
    OFFSET 0) e
),
steps AS MATERIALIZED (
  SELECT cn, at, action, activity,
    row_number() OVER w AS seq,
    lag(activity) OVER w AS prev,
    lag(at) OVER w AS prev_at
  FROM ev
  WINDOW w AS (PARTITION BY cn ORDER BY at, id)
)"""  # noqa: S608 (table names and constant text only; every value is a parameter)


def _conformance_sql(kind: Kind) -> str:
    """`conformance`: one row, the object the API answers. Per case: the first place of each
    rule's step and of what must follow it, its first PO and its last approval."""
    per_rule = []
    sums = []
    for i, _rule in enumerate(kind.skip_rules):
        per_rule.append(
            f"min(seq) FILTER (WHERE activity = ANY(%(req{i})s)) AS req{i}, "
            f"min(seq) FILTER (WHERE activity = ANY(%(then{i})s)) AS then{i}"
        )
        sums.append(
            f"json_build_object('step', %(step{i})s, 'count', count(*) FILTER "
            f"(WHERE then{i} IS NOT NULL AND (req{i} IS NULL OR req{i} > then{i})))"
        )
    return f"""
per_case AS (
  SELECT cn, {", ".join(per_rule)},
    min(seq) FILTER (WHERE action = 'purchase_order.issued') AS po,
    max(seq) FILTER (WHERE action = ANY(%(approvals)s)) AS last_approval
  FROM steps GROUP BY cn
),
repeats AS (
  SELECT cn, action FROM steps WHERE action = ANY(%(rework)s)
  GROUP BY cn, action HAVING count(*) > 1
),
conformance AS (
  SELECT json_build_object(
    'skipped_steps', json_build_array({", ".join(sums)}),
    'approvals_after_po', count(*) FILTER (WHERE last_approval > po),
    'rework', (SELECT count(DISTINCT cn) FROM repeats),
    'rework_by_activity', (
      SELECT coalesce(json_agg(json_build_object('name', action, 'count', n)
                               ORDER BY n DESC, action), '[]'::json)
      FROM (SELECT action, count(*) AS n FROM repeats GROUP BY action) r)
  ) AS body FROM per_case
)"""  # noqa: S608 (constant text only; every value is a parameter)


_MAP_TAIL = """
SELECT
  (SELECT count(*) FROM cases) AS cases,
  (SELECT coalesce(json_agg(a ORDER BY a.position, a.name), '[]'::json) FROM (
     SELECT activity AS name, sum(n) AS count, count(*) AS cases,
            round(sum(seq_sum) / sum(n), 3) AS position
     FROM (SELECT activity, count(*) AS n, sum(seq) AS seq_sum FROM steps
           GROUP BY cn, activity) per_case_activity
     GROUP BY activity) a) AS activities,
  (SELECT coalesce(json_agg(d ORDER BY d.count DESC, d."from", d."to"), '[]'::json) FROM (
     SELECT prev AS "from", activity AS "to", count(*) AS count,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - prev_at))
              / 3600 AS hours_p50
     FROM steps WHERE prev IS NOT NULL GROUP BY prev, activity) d) AS edges,
  (SELECT json_build_object(
            'distinct', count(*),
            'top', coalesce(json_agg(v ORDER BY v.count DESC, v.path)
                            FILTER (WHERE v.rank <= %(top)s), '[]'::json))
   FROM (
     SELECT path, count(*) AS count, row_number() OVER (ORDER BY count(*) DESC, path) AS rank
     FROM (SELECT array_agg(activity ORDER BY seq) AS path FROM steps GROUP BY cn) p
     GROUP BY path) v) AS variants,
  (SELECT body FROM conformance) AS conformance"""

_CASES_TAIL = """
SELECT c.case_id, count(*) AS times, min(s.prev_at) AS first_left,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.at - s.prev_at))
         / 3600 AS hours_p50,
       count(*) OVER () AS total
FROM steps s JOIN cases c ON c.cn = s.cn
WHERE s.prev = %(source)s AND s.activity = %(target)s
GROUP BY c.case_id ORDER BY min(s.prev_at) DESC, c.case_id LIMIT %(limit)s"""


def _params(kind_name: str, period: Period, **extra: Any) -> dict[str, Any]:
    kind = KINDS[kind_name]
    params: dict[str, Any] = {
        "kind": kind.subject_type,
        "opening": kind.opening,
        "linked": kind.linked_type,
        "start": period.since,
        "end": period.until,
        "uuid": UUID_TEXT,
        "ignored": list(IGNORED),
        "approvals": list(APPROVALS),
        "rework": list(kind.rework),
        "top": TOP_VARIANTS,
        **extra,
    }
    for i, rule in enumerate(kind.skip_rules):
        params.update(
            {f"req{i}": list(rule.required), f"then{i}": list(rule.then), f"step{i}": rule.step}
        )
    return params


def process_map(*, actor: Any, kind: str, period: Period) -> dict[str, Any]:
    """The map of one kind of case for a period: one statement, whatever the trail's size."""
    require(actor, *READERS)
    spec = KINDS[kind]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(WORK_MEM)
        cursor.execute(
            f"{_steps_sql(spec)},{_conformance_sql(spec)}{_MAP_TAIL}", _params(kind, period)
        )
        cases, activities, edges, variants, conformance = cursor.fetchone()
    for activity in activities:
        activity["label"] = activity_label(activity["name"])
        activity["position"] = float(activity["position"])
    for edge in edges:
        edge["hours_p50"] = round(float(edge["hours_p50"]), 2)
    conformance["skipped_steps"] = [
        {**skipped, "label": activity_label(skipped["step"])}
        for skipped in conformance["skipped_steps"]
    ]
    return {
        "kind": kind,
        "period": period.query(),
        "cases": cases,
        "activities": activities,
        "edges": edges,
        "variants": [
            {"path": v["path"], "count": v["count"], "share": round(v["count"] / cases, 4)}
            for v in variants["top"]
        ],
        "variants_distinct": variants["distinct"],
        "conformance": conformance,
    }


@dataclass(frozen=True)
class EdgeCase:
    case_id: str
    times: int  # how often this case took the transition
    first_left: datetime  # when it first left the source activity for the target
    hours_p50: float
    reference: str  # the requisition's or invoice's number
    title: str
    link: str


def process_edge_cases(
    *, actor: Any, kind: str, period: Period, source: str, target: str
) -> tuple[int, list[EdgeCase]]:
    """The cases of the period that went from `source` straight to `target` (the latest
    first, at most CASES_SHOWN of them), and how many there are in all."""
    require(actor, *READERS)
    spec = KINDS[kind]
    params = _params(kind, period, source=source, target=target, limit=CASES_SHOWN)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(WORK_MEM)
        cursor.execute(f"{_steps_sql(spec)}{_CASES_TAIL}", params)
        rows = cursor.fetchall()
    references = case_references(kind, [row[0] for row in rows])
    cases = [
        EdgeCase(
            case_id,
            times,
            first_left,
            round(float(hours), 2),
            *references.get(case_id, (case_id, "", "")),
        )
        for case_id, times, first_left, hours, _total in rows
    ]
    return (rows[0][4] if rows else 0), cases


def case_references(kind: str, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """Number, title and page of each case (one query)."""
    ids = [i for i in ids if re.fullmatch(UUID_TEXT, i)]
    if kind == "requisition":
        return {
            str(pk): (number, title, f"/requisitions/{pk}/")
            for pk, number, title in Requisition.objects.filter(pk__in=ids).values_list(
                "pk", "number", "title"
            )
        }
    return {
        str(pk): (number, supplier or "", f"/invoices/{pk}/")
        for pk, number, supplier in Invoice.objects.filter(pk__in=ids).values_list(
            "pk", "invoice_number", "supplier__name"
        )
    }
