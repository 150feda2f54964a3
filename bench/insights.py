"""Insights over a large tenant: `GET /api/v1/insights/` and `/insights/` beside one count.

Builds a throwaway tenant holding two years of activity (issue 31), written with PostgreSQL
COPY straight into its tables: 1,000,000 invoices (a 30-day period holds ~40,000; ~25%
touchless, ~25% with exceptions, every status and channel, most on orders of the two legal
entities), their exceptions (price variances with their invoice line and its match, as the
tolerance signal reads them), 200,000 requisitions (a share auto-approved by the policy, the
others through approval routes, steps with their role, and tasks), their purchase orders and
goods receipts, 300 suppliers and 3,000,000 audit events in time order (the hash columns
hold unique text, not a chain). Then VACUUM ANALYZE, as autovacuum would.

Times, interleaved in this process, through Django's test Client on the tenant's host signed in
as a tenant admin (`view_insights`: every section), with the default period (the last 30 days):
  - api:   GET /api/v1/insights/
  - page:  GET /insights/ (the figures, the weekly trend and the signals, rendered)
  - floor: one `SELECT count(*)` over the period's invoices
Prints p50/p95 of each, the ratio p95 / floor p50, the queries of one request, each section
function of apps.insights.figures (and the trend and signals) on its own, the slowest
statements of a request, and EXPLAIN (ANALYZE, BUFFERS) of the slowest. Machines are noisy:
read the ratios. Aim (issue 31): p95 <= 150 ms.

    python bench/insights.py [--scale 1.0] [--runs 30]     # --scale 0.05 for a quick try
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import heapq
import itertools
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# the views as production runs them: no debug query log, no debug pages, no request log
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from aims import aim
from django.db import connection
from psycopg import sql
from psycopg.types.json import Jsonb
from submit import PASSWORD, drop_tenant, percentile, setup_tenant

SEED = 31
DAYS = 730  # two years of history
INVOICES, REQUISITIONS, EVENTS, SUPPLIERS = 1_000_000, 200_000, 3_000_000, 300
EMPTY = Jsonb({})
H = 3600.0  # seconds in an hour

# (value, weight): Invoice.Channel
CHANNELS = (("api", 25), ("portal", 20), ("ubl", 20), ("cii", 8), ("facturx", 7))
CHANNELS += (("csv", 5), ("email", 15))
# exception codes of invoices on an order, and of invoices on none
ON_ORDER = (("price_variance", 40), ("quantity_variance", 15), ("not_received", 15))
ON_ORDER += (("tax_mismatch", 10), ("duplicate_suspected", 6), ("currency_mismatch", 4))
ON_ORDER += (("amount_anomaly", 4), ("bank_details_changed", 3), ("invalid_tax_id", 3))
NO_ORDER = (("no_po", 45), ("tax_mismatch", 15), ("duplicate_suspected", 10))
NO_ORDER += (("invalid_tax_id", 10), ("supplier_not_approved", 8), ("amount_anomaly", 7))
NO_ORDER += (("bank_details_changed", 5),)
# step role: (SLA hours, median hours to decide); the finance step is the slow one
ROLES = {"cost_center_manager": (16, 6.0), "management_chain": (24, 10.0)}
ROLES |= {"ap_manager": (24, 30.0)}


def weighted(options: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    return [o for o, _w in options], list(itertools.accumulate(w for _o, w in options))


def new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def money(value: float) -> str:
    return f"{value:.2f}"


def copy_rows(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """COPY `rows` ({column: value}, the same columns in each) into the model's table; every
    other column gets its field's default (an auto id its sequence), so a NOT NULL column
    left unset fails loudly."""
    from django.db.models import JSONField
    from django.db.models.fields import AutoFieldMixin

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    rest = [
        f
        for f in model._meta.concrete_fields
        if f.column not in first and not isinstance(f, AutoFieldMixin)
    ]
    defaults = tuple(
        Jsonb(f.get_default()) if isinstance(f, JSONField) else f.get_default() for f in rest
    )
    names = [*first, *(f.column for f in rest)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in itertools.chain((first,), rows):
            copy.write_row((*row.values(), *defaults))
            n += 1
    return n


def sequence_past(model: Any) -> None:
    """After COPY with explicit ids: the id sequence continues past them."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Identifier(table)),
            [table],
        )


# --------------------------------------------------------------------------- the facts


@dataclass(slots=True)
class People:
    admin: Any
    requesters: list[Any]
    approvers: dict[str, Any]  # step role -> user
    buyer: Any
    receiver: Any
    clerks: list[Any]


@dataclass(slots=True)
class Order:
    id: uuid.UUID
    supplier: uuid.UUID | None
    entity: int
    currency: str
    issued: datetime
    status: str = "issued"
    receipt: datetime | None = None
    receipt_id: uuid.UUID | None = None


@dataclass(slots=True)
class Step:
    id: int
    role: str
    status: str
    opened: datetime | None = None
    decided: datetime | None = None
    escalated: datetime | None = None
    task: uuid.UUID | None = None


@dataclass(slots=True)
class Requisition:
    id: uuid.UUID
    n: int
    created: datetime
    requester: Any
    center: tuple[int, int]  # cost center, its legal entity
    category: int
    total: str
    status: str = "draft"
    submitted: datetime | None = None
    decided: datetime | None = None
    auto: bool = False
    route: uuid.UUID | None = None
    steps: list[Step] = field(default_factory=list)
    order: Order | None = None


@dataclass(slots=True)
class Exception_:
    id: uuid.UUID
    code: str
    created: datetime
    status: str
    resolved: datetime | None
    resolution: str
    escalated: datetime | None
    by: Any
    line: int | None = None  # a price variance's line: its price, the order's
    prices: tuple[float, float] = (0.0, 0.0)
    refused: bool = False


@dataclass(slots=True)
class InvoiceFacts:
    id: uuid.UUID
    n: int
    created: datetime
    kind: str
    supplier: uuid.UUID
    order: Order | None
    currency: str
    total: float
    channel: str
    status: str
    touchless: bool
    matched: datetime | None
    approved: datetime | None
    approved_by: Any
    paid: datetime | None
    exceptions: list[Exception_]


class History:
    """Two years up to `now`, generated from fixed seeds: the invoices can be generated again,
    identically, for the audit trail, instead of being held in memory."""

    def __init__(self, scale: float, now: datetime, people: People) -> None:
        self.now, self.start, self.people = now, now - timedelta(days=DAYS), people
        self.invoices = max(1, round(INVOICES * scale))
        self.requisitions = max(1, round(REQUISITIONS * scale))
        self.events = max(1, round(EVENTS * scale))
        self.suppliers: list[uuid.UUID] = []
        self.supplier_weights: list[float] = []
        self.orders: list[Order] = []
        self.issued: list[datetime] = []
        self.requisition_rows: list[Requisition] = []

    def times(self, rng: random.Random, n: int) -> Iterator[datetime]:
        """n instants in order, as arrivals over the two years (an hour's margin at the end)."""
        span = (self.now - self.start).total_seconds() - H
        gap, at = span / n, 0.0
        for _ in range(n):
            at = min(span, at + rng.expovariate(1 / gap))
            yield self.start + timedelta(seconds=at)

    def hours(self, rng: random.Random, median: float, sigma: float = 1.0) -> timedelta:
        return timedelta(hours=rng.lognormvariate(math.log(median), sigma))

    # requisitions: submitted, auto-approved by the policy or routed, ordered, received
    def plan_requisitions(self, refs: dict[str, Any]) -> None:
        rng = random.Random(SEED)
        now, steps = self.now, itertools.count(1)
        for n, created in enumerate(self.times(rng, self.requisitions)):
            req = Requisition(
                new_id(rng),
                n,
                created,
                rng.choice(self.people.requesters),
                rng.choice(refs["centers"]),
                rng.choice(refs["categories"]),
                money(rng.lognormvariate(math.log(1500), 1)),
            )
            self.requisition_rows.append(req)
            draw = rng.random()
            if draw < 0.05:
                continue  # a draft
            if draw < 0.08:
                req.status = "cancelled"
                continue
            req.submitted = created + timedelta(hours=rng.uniform(0.05, 24))
            req.auto = rng.random() < 0.35
            outcome = "approved"
            if req.auto:
                req.decided = req.submitted + timedelta(seconds=2)
            else:
                req.route = new_id(rng)
                roles = ["cost_center_manager"]
                roles += ["management_chain"] if rng.random() < 0.4 else []
                roles += ["ap_manager"] if rng.random() < 0.3 else []
                clock = req.submitted
                for role in roles:
                    if outcome != "approved":
                        waits = "waiting" if outcome == "pending" else "cancelled"
                        req.steps.append(Step(next(steps), role, waits))
                        continue
                    sla, median = ROLES[role]
                    decided = clock + self.hours(rng, median)
                    step = Step(next(steps), role, "open", opened=clock, task=new_id(rng))
                    if decided - clock > timedelta(hours=sla) and rng.random() < 0.5:
                        step.escalated = clock + timedelta(hours=sla)
                        if step.escalated > now:
                            step.escalated = None
                    req.steps.append(step)
                    if decided > now:
                        outcome = "pending"
                        continue
                    step.decided, clock = decided, decided
                    step.status = "rejected" if rng.random() < 0.04 else "approved"
                    if step.status == "rejected":
                        outcome = "rejected"
                if outcome != "pending":
                    req.decided = clock
            req.status = {"approved": "approved", "rejected": "rejected"}.get(
                outcome, "pending_approval"
            )
            if req.status == "approved" and req.decided and rng.random() < 0.9:
                issued = req.decided + self.hours(rng, 4.0)
                if issued < now:
                    req.status = "ordered"
                    entity = req.center[1]
                    order = Order(
                        new_id(rng),
                        self.pick_supplier(rng),
                        entity,
                        refs["currency"][entity],
                        issued,
                    )
                    receipt = issued + timedelta(days=rng.uniform(1, 21))
                    if receipt < now and rng.random() < 0.9:
                        order.receipt, order.receipt_id = receipt, new_id(rng)
                        order.status = "closed" if rng.random() < 0.15 else "received"
                    req.order = order
        ordered = sorted(
            (r.order for r in self.requisition_rows if r.order), key=lambda o: o.issued
        )
        self.orders = ordered
        self.issued = [o.issued for o in ordered]

    def pick_supplier(self, rng: random.Random) -> uuid.UUID:
        return rng.choices(self.suppliers, cum_weights=self.supplier_weights)[0]

    def invoice_facts(self) -> Iterator[InvoiceFacts]:
        """The invoices in arrival order, with their exceptions; the same every time."""
        rng = random.Random(SEED + 1)
        now, people = self.now, self.people
        channels, channel_weights = weighted(CHANNELS)
        on_order, on_order_weights = weighted(ON_ORDER)
        no_order, no_order_weights = weighted(NO_ORDER)
        line = 0
        for n, created in enumerate(self.times(rng, self.invoices)):
            order = None
            latest = bisect.bisect(self.issued, created)
            earliest = bisect.bisect(self.issued, created - timedelta(days=120))
            if latest > earliest and rng.random() < 0.65:
                order = self.orders[rng.randrange(earliest, latest)]
            supplier = (order and order.supplier) or self.pick_supplier(rng)
            kind = "credit_note" if rng.random() < 0.02 else "invoice"
            facts = InvoiceFacts(
                id=new_id(rng),
                n=n,
                created=created,
                kind=kind,
                supplier=supplier,
                order=order,
                currency=order.currency if order else rng.choice(("EUR", "USD")),
                total=round(rng.lognormvariate(math.log(900), 1.1), 2),
                channel=rng.choices(channels, cum_weights=channel_weights)[0],
                status="received",
                touchless=False,
                matched=created + timedelta(minutes=rng.uniform(1, 30)),
                approved=None,
                approved_by=None,
                paid=None,
                exceptions=[],
            )
            if facts.matched > now or rng.random() < 0.002:
                facts.matched = None  # still waiting for matching
                yield facts
                continue
            clock = facts.matched
            if kind == "invoice" and rng.random() < 0.25:
                codes, weights = (
                    (on_order, on_order_weights) if order else (no_order, no_order_weights)
                )
                drawn = rng.choices(codes, cum_weights=weights, k=1 + (rng.random() < 0.2))
                for code in dict.fromkeys(drawn):
                    raised = facts.matched
                    resolved: datetime | None = raised + self.hours(rng, 18.0, 1.3)
                    due = raised + timedelta(hours=48)
                    escalated = due if resolved > due and rng.random() < 0.6 else None
                    if resolved > now:
                        resolved = None
                        status = rng.choices(
                            ("open", "waiting_supplier", "pending_second"), (75, 15, 10)
                        )[0]
                        if escalated and escalated > now:
                            escalated = None
                    else:
                        status = "resolved"
                    resolution = ""
                    if resolved:
                        draw = rng.random()
                        if code == "duplicate_suspected":
                            resolution = "release_duplicate" if draw < 0.5 else "reject_invoice"
                        elif code in ("price_variance", "quantity_variance"):
                            resolution = (
                                "accept_variance"
                                if draw < 0.6
                                else "request_credit_note"
                                if draw < 0.8
                                else "override"
                                if draw < 0.9
                                else "reject_invoice"
                            )
                        else:
                            resolution = (
                                "rematch"
                                if draw < 0.7
                                else "override"
                                if draw < 0.9
                                else "reject_invoice"
                            )
                    exception = Exception_(
                        new_id(rng),
                        code,
                        raised,
                        status,
                        resolved,
                        resolution,
                        escalated,
                        rng.choice(people.clerks),
                        refused=rng.random() < 0.01,
                    )
                    if code == "price_variance":
                        line += 1
                        base = round(rng.uniform(5, 500), 4)
                        exception.line = line
                        exception.prices = (round(base * rng.uniform(1.02, 1.3), 4), base)
                    facts.exceptions.append(exception)
                if any(e.resolved is None for e in facts.exceptions):
                    facts.status = "exception"
                    yield facts
                    continue
                if any(e.resolution == "reject_invoice" for e in facts.exceptions):
                    facts.status = "rejected"
                    yield facts
                    continue
                clock = max(e.resolved for e in facts.exceptions if e.resolved)
            elif rng.random() < 0.34:
                facts.touchless = True
                facts.approved = clock + timedelta(seconds=1)
            if not facts.touchless:
                approved = clock + self.hours(rng, 30.0)
                if approved > now:
                    facts.status = "pending_approval"
                    yield facts
                    continue
                if rng.random() < 0.02:
                    facts.status = "rejected"
                    yield facts
                    continue
                facts.approved, facts.approved_by = approved, rng.choice(people.clerks)
            facts.status = "approved"
            paid = facts.approved + timedelta(days=rng.uniform(3, 45))
            if kind == "invoice" and paid < now:
                facts.status, facts.paid = "paid", paid
            yield facts


# --------------------------------------------------------------------------- loading


def make_people() -> People:
    from apps.accounts.models import User
    from apps.accounts.services import user_ensure

    def user(local: str, roles: list[str]) -> Any:
        return user_ensure(email=f"{local}@bench.example", password=PASSWORD, roles=roles)

    manager = User.objects.get(email="m@bench.example")
    return People(
        admin=user("admin", ["tenant_admin"]),
        requesters=[User.objects.get(email="r@bench.example")]
        + [user(f"r{i}", ["requester"]) for i in range(2, 5)],
        approvers={
            "cost_center_manager": manager,
            "management_chain": user("chain", ["manager"]),
            "ap_manager": user("finance", ["ap_manager"]),
        },
        buyer=user("buyer", ["buyer"]),
        receiver=user("receiver", ["receiver"]),
        clerks=[user(f"clerk{i}", ["ap_clerk"]) for i in range(1, 4)],
    )


def load_suppliers(history: History) -> int:
    from apps.suppliers.models import Supplier

    rng = random.Random(SEED + 2)
    rows = []
    for i in range(SUPPLIERS):
        supplier = new_id(rng)
        created = history.start + timedelta(days=rng.uniform(0, DAYS - 1))
        status = rng.choices(
            ("approved", "blocked", "invited", "onboarding", "pending_approval", "rejected"),
            (85, 3, 4, 3, 3, 2),
        )[0]
        decided = created + history.hours(rng, 240.0) if status != "invited" else None
        if decided and decided > history.now:
            decided, status = None, "pending_approval"
        rows.append(
            {
                "id": supplier,
                "name": f"Supplier {i:03d}",
                "country": rng.choice(("DE", "US")),
                "status": status,
                "compliance": "non_compliant" if rng.random() < 0.05 else "compliant",
                "created_at": created,
                "decided_at": decided,
            }
        )
        history.suppliers.append(supplier)
    # a few suppliers send most invoices (Zipf)
    history.supplier_weights = list(
        itertools.accumulate(1 / (k + 1) ** 0.9 for k in range(SUPPLIERS))
    )
    return copy_rows(Supplier, rows)


def load_requisitions(history: History, refs: dict[str, Any]) -> dict[str, int]:
    from apps.procurement.models import GoodsReceipt, PurchaseOrder
    from apps.procurement.models import Requisition as RequisitionRow
    from apps.workflow.models import ApprovalRoute, ApprovalStep, ApprovalTask

    history.plan_requisitions(refs)
    people, found = history.people, history.requisition_rows
    route_status = {"approved": "approved", "ordered": "approved", "rejected": "rejected"}
    requisitions = (
        {
            "id": r.id,
            "number": f"RQ{r.n:08d}",
            "title": f"Bench purchase {r.n}",
            "requester_id": r.requester.pk,
            "cost_center_id": r.center[0],
            "spend_category_id": r.category,
            "legal_entity_id": r.center[1],
            "currency": refs["currency"][r.center[1]],
            "supplier_id": r.order.supplier if r.order else None,
            "on_contract": r.n % 10 < 3,
            "maverick": r.n % 20 == 7,
            "status": r.status,
            "total": r.total,
            "policy_version": "v1",
            "created_at": r.created,
            "submitted_at": r.submitted,
            "decided_at": r.decided,
        }
        for r in found
    )
    orders = (
        {
            "id": r.order.id,
            "number": f"PO{r.n:08d}",
            "requisition_id": r.id,
            "supplier_id": r.order.supplier,
            "legal_entity_id": r.order.entity,
            "buyer_id": people.buyer.pk,
            "currency": r.order.currency,
            "total": r.total,
            "status": r.order.status,
            "issued_at": r.order.issued,
        }
        for r in found
        if r.order
    )
    receipts = (
        {
            "id": r.order.receipt_id,
            "number": f"GR{r.n:08d}",
            "purchase_order_id": r.order.id,
            "received_by_id": people.receiver.pk,
            "received_at": r.order.receipt,
            "policy_version": "v1",
        }
        for r in found
        if r.order and r.order.receipt
    )
    routes = (
        {
            "id": r.route,
            "subject_type": "requisition",
            "subject_id": str(r.id),
            "requester_id": r.requester.pk,
            "policy_version": "v1",
            "rule_id": "default",
            "status": route_status.get(r.status, "pending"),
            "created_at": r.submitted,
            "completed_at": r.decided,
        }
        for r in found
        if r.route
    )
    steps = (
        {
            "id": step.id,
            "route_id": r.route,
            "sequence": sequence,
            "sla_hours": ROLES[step.role][0],
            "reason": f"{step.role} approves",
            "role": step.role,
            "status": step.status,
            "opened_at": step.opened,
            "due_at": step.opened + timedelta(hours=ROLES[step.role][0]) if step.opened else None,
            "escalated_at": step.escalated,
            "decided_at": step.decided,
        }
        for r in found
        for sequence, step in enumerate(r.steps, 1)
    )
    tasks = (
        {
            "id": step.task,
            "step_id": step.id,
            "subject_type": "requisition",
            "subject_id": str(r.id),
            "assignee_id": people.approvers[step.role].pk,
            "status": step.status,
            "created_at": step.opened,
            "decided_at": step.decided,
        }
        for r in found
        for step in r.steps
        if step.task
    )
    counts = {
        "requisitions": copy_rows(RequisitionRow, requisitions),
        "purchase orders": copy_rows(PurchaseOrder, orders),
        "goods receipts": copy_rows(GoodsReceipt, receipts),
        "approval routes": copy_rows(ApprovalRoute, routes),
        "approval steps": copy_rows(ApprovalStep, steps),
        "approval tasks": copy_rows(ApprovalTask, tasks),
    }
    sequence_past(ApprovalStep)
    return counts


def load_invoices(history: History) -> dict[str, int]:
    from apps.invoices.exception_codes import CODES
    from apps.invoices.models import Invoice, InvoiceException, InvoiceLine, LineMatch

    raised: list[tuple[uuid.UUID, Exception_]] = []  # (invoice, exception), for the next tables
    rng = random.Random(SEED + 4)

    def invoices() -> Iterator[dict[str, Any]]:
        for f in history.invoice_facts():
            raised.extend((f.id, e) for e in f.exceptions)
            day = (f.created - timedelta(days=rng.uniform(0, 5))).date()
            discount = rng.random() < 0.1
            total = money(f.total)
            yield {
                "id": f.id,
                "kind": f.kind,
                "supplier_id": f.supplier,
                "invoice_number": f"INV-{f.n:08d}",
                "number_key": str(f.n),
                "invoice_date": day,
                "due_date": day + timedelta(days=30) if rng.random() < 0.92 else None,
                "currency": f.currency,
                "purchase_order_id": f.order.id if f.order else None,
                "total": total,
                "payable": total,
                "lines_total": total,
                "discount_percent": "2.00" if discount else "0",
                "discount_until": day + timedelta(days=10) if discount else None,
                "status": f.status,
                "touchless": f.touchless,
                "touched": bool(f.exceptions),
                "channel": f.channel,
                "policy_version": "v1",
                "created_at": f.created,
                "matched_at": f.matched,
                "approved_at": f.approved,
                "approved_by_id": f.approved_by.pk if f.approved_by else None,
                "paid_at": f.paid,
            }

    counts = {"invoices": copy_rows(Invoice, invoices())}
    lines = (
        {
            "id": e.line,
            "invoice_id": invoice,
            "line_no": 1,
            "description": "Invoiced item",
            "quantity": "1",
            "unit_price": f"{e.prices[0]:.4f}",
            "net_amount": money(e.prices[0]),
        }
        for invoice, e in raised
        if e.line
    )
    counts["invoice lines"] = copy_rows(InvoiceLine, lines)
    sequence_past(InvoiceLine)
    matches = (
        {
            "line_id": e.line,
            "status": "variance",
            "kind": "three_way",
            "price_variance": money(e.prices[0] - e.prices[1]),
            "order_unit_price": f"{e.prices[1]:.4f}",
            "policy_version": "v1",
        }
        for _invoice, e in raised
        if e.line
    )
    counts["line matches"] = copy_rows(LineMatch, matches)
    exceptions = (
        {
            "id": e.id,
            "invoice_id": invoice,
            "line_id": e.line,
            "code": e.code,
            "category": CODES[e.code][0],
            "queue": CODES[e.code][1],
            "status": e.status,
            "detail": str(CODES[e.code][2]),
            "variance_amount": money(e.prices[0] - e.prices[1]),
            "policy_version": "v1",
            "created_at": e.created,
            "due_at": e.created + timedelta(hours=48),
            "escalated_at": e.escalated,
            "resolution": e.resolution,
            "resolved_by_id": e.by.pk if e.resolved else None,
            "resolved_at": e.resolved,
        }
        for invoice, e in raised
    )
    counts["invoice exceptions"] = copy_rows(InvoiceException, exceptions)
    return counts


# an event: (at, tie-breaker, actor, action, subject_type, subject_id, data)
Event = tuple[datetime, int, Any, str, str, str, Jsonb]
REFUSED = Jsonb({"code": "sod_violation"})


def requisition_events(req: Requisition, people: People) -> list[tuple]:
    subject = ("requisition", str(req.id))
    found = [(req.created, req.requester, "requisition.created", *subject)]
    if req.submitted:
        found.append((req.submitted, req.requester, "requisition.submitted", *subject))
    for step in req.steps:
        approver = people.approvers[step.role]
        if step.escalated:
            found.append((step.escalated, "system:beat", "approval.escalated", *subject))
        if step.decided:
            found.append((step.decided, approver, f"approval.{step.status}", *subject))
    if req.decided and req.status in ("approved", "ordered"):
        who = "system:policy" if req.auto else people.approvers[req.steps[-1].role]
        found.append((req.decided, who, "requisition.approved", *subject))
    elif req.decided:
        found.append((req.decided, req.requester, "requisition.rejected", *subject))
    if req.order:
        order = ("purchase_order", str(req.order.id))
        found.append((req.order.issued, people.buyer, "purchase_order.issued", *order))
        if req.order.receipt:
            found.append((req.order.receipt, people.receiver, "goods_receipt.posted", *order))
    return found


def invoice_events(f: InvoiceFacts) -> list[tuple]:
    subject = ("invoice", str(f.id))
    found = [(f.created, f"system:{f.channel}", "invoice.received", *subject)]
    if f.matched:
        found.append((f.matched, "system:matching", "invoice.matched", *subject))
    for e in f.exceptions:
        found.append((e.created, "system:matching", "invoice.exception_raised", *subject))
        if e.escalated:
            found.append((e.escalated, "system:beat", "invoice.exception_escalated", *subject))
        if e.resolved:
            found.append((e.resolved, e.by, "invoice.exception_resolved", *subject))
    if f.approved:
        found.append((f.approved, f.approved_by or "system:matching", "invoice.approved", *subject))
    if f.status == "rejected":
        rejected = (f.matched or f.created) + timedelta(days=2)
        found.append((rejected, "system:ap", "invoice.rejected", *subject))
    if f.paid:
        found.append((f.paid, "system:payments", "invoice.paid", *subject))
    return found


def load_audit_events(history: History) -> int:
    """The trail in time order, as it is written: each subject's events are scheduled when
    it appears and written once their time comes. The events insights reads (the policy's
    approvals, refusals) are all kept; the rest are thinned to the target count."""
    from apps.audit.models import AuditEvent

    people = history.people
    written, needed = 0, 0  # events in all; those insights reads, kept whatever the count
    for req in history.requisition_rows:
        written += len(requisition_events(req, people))
        needed += req.auto and req.decided is not None
    for f in history.invoice_facts():
        written += len(invoice_events(f))
        needed += sum(e.refused for e in f.exceptions)
    keep = min(1.0, max(0.0, (history.events - needed) / max(1, written - needed)))
    rng = random.Random(SEED + 5)
    tie = itertools.count()

    def stream() -> Iterator[tuple[datetime, list[tuple]]]:
        invoices = ((f.created, invoice_events(f), f) for f in history.invoice_facts())
        requisitions = (
            (r.created, requisition_events(r, people), None) for r in history.requisition_rows
        )
        for created, found, facts in heapq.merge(requisitions, invoices, key=lambda s: s[0]):
            for e in facts.exceptions if facts else ():
                if e.refused:  # a second person's attempt the SoD control refused
                    at = (e.resolved or e.created) - timedelta(minutes=5)
                    who = e.by
                    found.append((at, who, "invoice.exception_refused", "invoice", str(facts.id)))
                    found[-1] += (REFUSED,)
            yield created, found

    def events() -> Iterator[Event]:
        pending: list[Event] = []
        for created, found in stream():
            while pending and pending[0][0] <= created:
                yield heapq.heappop(pending)
            for at, who, action, *subject in found:
                data = subject[2] if len(subject) > 2 else EMPTY
                is_needed = who == "system:policy" or data is REFUSED
                if at <= history.now and (is_needed or rng.random() < keep):
                    heapq.heappush(
                        pending, (at, next(tie), who, action, subject[0], subject[1], data)
                    )
        while pending:
            yield heapq.heappop(pending)

    def rows() -> Iterator[dict[str, Any]]:
        previous = "0" * 64
        for n, (at, _tie, who, action, kind, subject, data) in enumerate(events()):
            person = not isinstance(who, str)
            digest = hashlib.sha256(n.to_bytes(8, "big")).hexdigest()
            yield {
                "at": at,
                "actor_id": str(who.pk) if person else "",
                "actor": who.email if person else who,
                "action": action,
                "subject_type": kind,
                "subject_id": subject,
                "policy_version": "v1" if action.startswith("requisition.") else None,
                "data": data,
                "prev_hash": previous,
                "hash": digest,
            }
            previous = digest

    return copy_rows(AuditEvent, rows())


# the section functions of apps.insights.figures, timed each on its own
SECTIONS = (
    "invoice_figures",
    "exception_figures",
    "approval_figures",
    "requisition_figures",
    "supplier_figures",
    "payment_figures",
    "duplicate_figures",
)
LOADED = (
    "suppliers_supplier",
    "procurement_requisition",
    "procurement_purchaseorder",
    "procurement_goodsreceipt",
    "workflow_approvalroute",
    "workflow_approvalstep",
    "workflow_approvaltask",
    "invoices_invoice",
    "invoices_invoiceline",
    "invoices_linematch",
    "invoices_invoiceexception",
    "audit_auditevent",
)


def build(scale: float) -> tuple[People, dict[str, int], dict[str, float]]:
    from django.utils import timezone

    from apps.organization.models import CostCenter, LegalEntity, SpendCategory

    spent: dict[str, float] = {}
    started = time.perf_counter()
    people = make_people()
    entities = dict(LegalEntity.objects.values_list("pk", "currency"))
    refs = {
        "currency": entities,
        "centers": list(CostCenter.objects.order_by("code").values_list("pk", "legal_entity_id")),
        "categories": list(SpendCategory.objects.order_by("code").values_list("pk", flat=True)),
    }
    assert len(entities) == 2, "the bench tenant has two legal entities (US01, DE01)"
    history = History(scale, timezone.now(), people)
    counts = {"suppliers": load_suppliers(history)}
    spent["people and suppliers"] = time.perf_counter() - started
    for name, load in (
        ("requisitions, orders, receipts, routes", lambda: load_requisitions(history, refs)),
        ("invoices, lines, exceptions", lambda: load_invoices(history)),
        ("audit events", lambda: {"audit events": load_audit_events(history)}),
    ):
        began = time.perf_counter()
        counts |= load()
        spent[name] = time.perf_counter() - began
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("VACUUM ANALYZE {}").format(sql.SQL(", ").join(map(sql.Identifier, LOADED)))
        )
    spent["VACUUM ANALYZE"] = time.perf_counter() - began
    return people, counts, spent


# --------------------------------------------------------------------------- timing


def ms(function: Callable[[], Any]) -> float:
    began = time.perf_counter()
    function()
    return (time.perf_counter() - began) * 1000


def spread(values: list[float]) -> str:
    return f"p50 {statistics.median(values):8.1f} ms   p95 {percentile(values, 0.95):8.1f} ms"


def statements_of(request: Callable[[], Any]) -> list[tuple[float, str, Any]]:
    """Each statement one request runs, with its ms, slowest first."""
    found: list[tuple[float, str, Any]] = []

    def clock(execute: Any, statement: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            found.append(((time.perf_counter() - began) * 1000, statement, params))

    with connection.execute_wrapper(clock):
        request()
    return sorted(found, key=lambda s: -s[0])


def measure(tenant: Any, people: People, runs: int, warm: int) -> None:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.controls.periods import period_of
    from apps.insights import figures
    from apps.insights.signals import signals
    from apps.tenancy.context import tenant_context, tenant_zone

    host = tenant.domains.get(is_primary=True).domain
    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        period = period_of(None, None, tenant_zone())
        # a tenant admin signs in with two steps (the policy's default): password and a code
        # from their authenticator, as the session of a person who typed it
        device = TOTPDevice.objects.filter(user=people.admin, confirmed=True).first()
        device = device or TOTPDevice.objects.create(
            user=people.admin, name="authenticator", confirmed=True
        )
        browser.force_login(people.admin, backend="django.contrib.auth.backends.ModelBackend")
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    def api() -> None:
        response = browser.get("/api/v1/insights/")
        assert response.status_code == 200, response.content[:300]

    def page() -> None:
        response = browser.get("/insights/")
        assert response.status_code == 200, response.status_code

    def floor() -> None:
        with tenant_context(tenant), connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM invoices_invoice"
                " WHERE kind = 'invoice' AND created_at >= %s AND created_at < %s",
                [period.since, period.until],
            )
            cursor.fetchone()

    answer = browser.get("/api/v1/insights/").json()
    inv, exc = answer["invoices"], answer["exceptions"]
    print(
        f"period {answer['period']['from']} .. {answer['period']['to']}: "
        f"{inv['received']:,} invoices received, touchless {inv['touchless_rate']}, "
        f"exception rate {inv['exception_rate']}, {exc['raised']:,} exceptions raised, "
        f"{answer['approvals']['decided']:,} approvals decided, "
        f"{answer['requisitions']['submitted']:,} requisitions submitted"
    )
    timings: dict[str, list[float]] = {"api": [], "page": [], "floor": []}
    for i in range(warm + runs):
        for name, request in (("floor", floor), ("api", api), ("page", page)):
            took = ms(request)
            if i >= warm:
                timings[name].append(took)
    f50 = statistics.median(timings["floor"])
    print(f"\ntimings ({runs} runs each after {warm} to warm up, interleaved):")
    for name, label in (
        ("api", "GET /api/v1/insights/"),
        ("page", "GET /insights/"),
        ("floor", "floor: SELECT count(*)"),
    ):
        p95 = percentile(timings[name], 0.95)
        ratio = f"   p95 / floor p50 {p95 / f50:6.1f}x" if name != "floor" else ""
        print(f"  {label:<24} {spread(timings[name])}{ratio}")
    worst = max(percentile(timings["api"], 0.95), percentile(timings["page"], 0.95))
    aim("insights API and page, worst p95", worst, 150, unit=" ms")
    for name, request in (("api", api), ("page", page)):
        with CaptureQueriesContext(connection) as captured:
            request()
        print(f"  queries of one {name} request: {len(captured.captured_queries)}")

    print(f"\nsections of apps.insights.figures, each on its own (p50 of {max(5, runs // 3)}):")
    with tenant_context(tenant):
        user = people.admin

        def scope() -> Any:
            return figures.Scope(user, period, None, timezone.now())

        answer = figures.insights_figures(user, period)

        def section(compute: Callable[[Any], Any]) -> Callable[[], Any]:
            return lambda: compute(scope())

        sections = [(name, section(getattr(figures, name))) for name in SECTIONS]
        sections += [
            (
                "weekly_trend",
                lambda: figures.weekly_trend(figures.Scope(user, period, None, period.until)),
            ),
            ("signals.signals", lambda: signals(answer)),
        ]
        total = 0.0
        for name, compute in sections:
            compute()
            took = statistics.median(ms(compute) for _ in range(max(5, runs // 3)))
            total += took
            print(f"  {name:<22} {took:8.1f} ms   {took / f50:6.1f}x floor")
        print(f"  {'sum':<22} {total:8.1f} ms")

    statements = statements_of(api) + statements_of(page)
    statements.sort(key=lambda s: -s[0])
    print("\nslowest statements of one api and one page request:")
    for took, statement, _params in statements[:6]:
        print(f"  {took:8.1f} ms  {' '.join(statement.split())[:150]}")
    took, statement, params = statements[0]
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the slowest ({took:.1f} ms):")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        plan = [row[0] for row in cursor.fetchall()]
    for line in plan[:40]:
        print(f"  {line}")
    if len(plan) > 40:
        print(f"  … ({len(plan) - 40} more lines)")
        for line in plan[-3:]:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="0.05 for a quick run")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warm", type=int, default=3)
    args = parser.parse_args()
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    slug = f"benchins{uuid.uuid4().hex[:6]}"
    setup_tenant(slug)
    try:
        tenant = Client.objects.get(slug=slug)
        started = time.perf_counter()
        with tenant_context(tenant):
            people, counts, spent = build(args.scale)
        loading = time.perf_counter() - started
        print(f"scale {args.scale}: loaded by COPY in {loading:.0f} s")
        print("  " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
        print("  " + ", ".join(f"{name} {s:.0f} s" for name, s in spent.items()))
        measure(tenant, people, args.runs, args.warm)
    finally:
        drop_tenant(slug)


if __name__ == "__main__":
    main()
