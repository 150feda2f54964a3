"""The facts advice is read from: the exception itself (what differs, by how much, under which
tolerance), the decided exceptions of the same code (who decided what, and how fast), and the
supplier's year of the same code. A fixed number of queries whatever the history's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from apps.accounts.models import User
from apps.invoices.exception_codes import RESOLUTIONS
from apps.invoices.models import CreditNoteRequest, InvoiceException
from apps.invoices.rules import policy_section
from apps.policies.invoice_section import tolerances_for
from apps.policies.models import PolicyVersion
from apps.policies.selectors import NoPublishedPolicy

# the most recent decided cases of a code the neighbours and the routing are drawn from
HISTORY_LIMIT = 500
SUPPLIER_YEAR = timedelta(days=365)
Status = InvoiceException.Status

# what a closed exception says the person decided: the system's closings stand for the
# person's decision that led to them (a credit note asked for, an invoice rejected)
DECIDED_AS = {"credit_note_received": "request_credit_note", "invoice_rejected": "reject_invoice"}


@dataclass(frozen=True)
class Case:
    """One exception as the advice reads it (the current one, or one decided before)."""

    id: Any
    code: str
    supplier_id: Any
    supplier_name: str
    category: str  # the order's spend category, "" without one
    currency: str
    amount: float  # the variance in the invoice currency (0 when not a variance)
    percent: float | None  # the variance against what was expected, in %
    data: dict[str, Any]
    created_at: datetime
    resolution: str = ""  # the person's resolution (DECIDED_AS applied)
    decided_by: int | None = None
    decided_at: datetime | None = None
    own_key: str = ""  # how supplier_years counts the case itself (its resolution or "open")
    invoice_number: str = ""

    @property
    def hours(self) -> float | None:
        """Hours from raised to decided."""
        if self.decided_at is None:
            return None
        return max((self.decided_at - self.created_at).total_seconds() / 3600, 0.0)


CASE_FIELDS = (
    "pk", "code", "data", "variance_amount", "created_at", "invoice__supplier_id",
    "invoice__supplier__name", "invoice__currency", "invoice__total",
    "invoice__purchase_order__requisition__spend_category__code", "invoice__invoice_number",
)  # fmt: skip


def variance_percent(code: str, data: dict[str, Any], amount: Any, total: Any) -> float | None:
    """How far the invoice is from what was expected, in % of the expected."""

    def ratio(over: Any, base: Any) -> float | None:
        try:
            over, base = Decimal(str(over)), Decimal(str(base))
        except ArithmeticError:
            return None
        return float((over - base) / base * 100) if base else None

    if code == "price_variance" and "ordered" in data:
        return ratio(data.get("invoiced"), data["ordered"])
    if code == "price_variance" and data.get("header"):
        return ratio(data.get("invoiced"), data.get("expected"))
    if code == "quantity_variance" and "open_on_order" in data:
        return ratio(data.get("invoiced"), data["open_on_order"])
    if amount and total:
        return float(Decimal(str(amount)) / Decimal(str(total)) * 100)
    return None


def _case(row: dict[str, Any], **decided: Any) -> Case:
    return Case(
        id=row["pk"],
        code=row["code"],
        supplier_id=row["invoice__supplier_id"],
        supplier_name=row["invoice__supplier__name"],
        category=row["invoice__purchase_order__requisition__spend_category__code"] or "",
        currency=row["invoice__currency"],
        amount=float(row["variance_amount"] or 0),
        percent=variance_percent(
            row["code"], row["data"] or {}, row["variance_amount"], row["invoice__total"]
        ),
        data=row["data"] or {},
        created_at=row["created_at"],
        invoice_number=row["invoice__invoice_number"],
        **decided,
    )


def case_of(exception: InvoiceException) -> Case:
    return cases_of([exception.pk])[exception.pk]


def cases_of(ids: list[Any]) -> dict[Any, Case]:
    """The cases of several exceptions, in one query."""
    rows = InvoiceException.objects.filter(pk__in=ids).values(*CASE_FIELDS, "status", "resolution")
    return {row["pk"]: _case(row, own_key=_key(row["status"], row["resolution"])) for row in rows}


def _decided() -> Q:
    person = Q(resolved_by__isnull=False, resolution__in=[*RESOLUTIONS, *DECIDED_AS])
    return Q(status=Status.RESOLVED) & (person | Q(resolution="credit_note_received")) | Q(
        status=Status.WAITING_SUPPLIER, resolution="request_credit_note"
    )


def decided_cases(code: str, *, before: Any = None, exclude: Any = None) -> list[Case]:
    """The newest decided exceptions of `code` (at most HISTORY_LIMIT), newest first: the
    person's resolution, who decided and when (for a credit note asked for: who asked, when).
    `before` keeps only those raised earlier (the bench's time split)."""
    request = CreditNoteRequest.objects.filter(exception=OuterRef("pk")).order_by("requested_at")
    rows = (
        InvoiceException.objects.filter(_decided(), code=code)
        .annotate(
            asked_by=Subquery(request.values("requested_by_id")[:1]),
            asked_at=Subquery(request.values("requested_at")[:1]),
        )
        .order_by("-created_at", "pk")
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    cases = []
    for row in rows.values(
        *CASE_FIELDS, "resolution", "resolved_by_id", "resolved_at", "asked_by", "asked_at"
    )[:HISTORY_LIMIT]:
        resolution = DECIDED_AS.get(row["resolution"], row["resolution"])
        asked = resolution == "request_credit_note" and row["asked_at"] is not None
        decided_by = row["asked_by"] if asked else row["resolved_by_id"]
        if decided_by is None:
            continue
        at = row["asked_at"] if asked else row["resolved_at"]
        cases.append(_case(row, resolution=resolution, decided_by=decided_by, decided_at=at))
    return cases


def people(ids: set[int]) -> dict[int, User]:
    return {u.pk: u for u in User.objects.filter(pk__in=ids)} if ids else {}


def _key(status: str, resolution: str) -> str:
    if resolution and status in (Status.RESOLVED, Status.WAITING_SUPPLIER):
        return DECIDED_AS.get(resolution, resolution)
    return "open"


def supplier_years(cases: list[Case], *, now: datetime | None = None) -> dict[Any, dict[str, int]]:
    """For each case, {resolution or "open": count} of its supplier's other exceptions of the
    same code raised in the last twelve months; one query for them all."""
    since = (now or timezone.now()) - SUPPLIER_YEAR
    rows = (
        InvoiceException.objects.filter(
            code__in={c.code for c in cases},
            invoice__supplier_id__in={c.supplier_id for c in cases},
            created_at__gte=since,
        )
        .values("code", "invoice__supplier_id", "status", "resolution")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, Any], dict[str, int]] = {}
    for row in rows:
        tally = counts.setdefault((row["code"], row["invoice__supplier_id"]), {})
        key = _key(row["status"], row["resolution"])
        tally[key] = tally.get(key, 0) + row["n"]
    out = {}
    for case in cases:
        tally = dict(counts.get((case.code, case.supplier_id), {}))
        if case.created_at >= since and tally.get(case.own_key):
            tally[case.own_key] -= 1  # the case itself
        out[case.id] = {k: n for k, n in tally.items() if n}
    return out


def supplier_year(case: Case, *, now: datetime | None = None) -> dict[str, int]:
    return supplier_years([case], now=now)[case.id]


TOLERANCE_KINDS = {"price_variance": "price", "quantity_variance": "quantity"}


def tolerance_of(exception: InvoiceException, case: Case) -> tuple[str, dict[str, Any]] | None:
    """(policy version, the tolerance that was applied) for a variance: the policy it was
    matched under (else the published one) for its order's spend category."""
    kind = TOLERANCE_KINDS.get(case.code)
    if kind is None:
        return None
    if case.data.get("header"):
        kind = "header"
    number = (exception.policy_version or "").removeprefix("v")
    version = PolicyVersion.objects.filter(number=number).first() if number.isdigit() else None
    try:
        version, document = policy_section(version)
    except NoPublishedPolicy:
        return None
    return f"v{version.number}", tolerances_for(document["invoices"], case.category)[kind]
