"""A partner's view of its client tenants: each client's figures over a period, read from the
days insights rolled up into the public schema (`ClientDay`), never from a tenant's schema, and
the partner's own benchmark, the median of its clients. Counts and rates only: no row of a
tenant is named.

Approval hours are kept per day as a histogram, {bucket: decisions}, each bucket named by its
lower edge in hours: quarter hours under a day, whole hours under 30 days, then one bucket. A
median read from it is within 7.5 minutes under a day and 30 minutes under 30 days (2% at a
day or more)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from apps.controls.periods import Period, period_of

from .models import Client, ClientDay, Partner

QUARTER_HOURS_UNTIL = 24
WHOLE_HOURS_UNTIL = 720

# what a day's health counts (ClientDay.health)
HEALTH_KEYS = ("failing_webhooks", "failing_erp", "stuck_tasks")
# the figures of a client over a period, and those the benchmark takes the median of
BENCHMARKED = (
    "active_users",
    "requisitions",
    "invoices_received",
    "touchless_rate",
    "exceptions_open",
    "exceptions_overdue",
    "approval_hours_p50",
)
SORTS = ("name", "slug", *BENCHMARKED, "last_activity", "health")


def hour_bucket(hours: float) -> str:
    """The histogram bucket of one decision that took `hours`."""
    hours = max(hours, 0.0)
    if hours < QUARTER_HOURS_UNTIL:
        edge = math.floor(hours * 4) / 4
    elif hours < WHOLE_HOURS_UNTIL:
        edge = math.floor(hours)
    else:
        edge = WHOLE_HOURS_UNTIL
    return f"{edge:g}"


def hours_histogram(durations: Iterable[float]) -> dict[str, int]:
    histogram: dict[str, int] = {}
    for hours in durations:
        bucket = hour_bucket(hours)
        histogram[bucket] = histogram.get(bucket, 0) + 1
    return histogram


def _width(edge: float) -> float:
    if edge < QUARTER_HOURS_UNTIL:
        return 0.25
    return 1.0 if edge < WHOLE_HOURS_UNTIL else 0.0


def hours_p50(histogram: Mapping[str, int]) -> float | None:
    """The median of the decisions a histogram counts, read linearly inside its bucket; None
    for no decision."""
    buckets = sorted((float(edge), count) for edge, count in histogram.items() if count > 0)
    half = sum(count for _edge, count in buckets) / 2
    seen = 0
    for edge, count in buckets:
        if seen + count >= half:
            return round(edge + _width(edge) * (half - seen) / count, 2)
        seen += count
    return None


def partner_period(first: date | None, last: date | None) -> Period:
    """The period asked for, in days of the product's time zone (a partner's clients each keep
    their own days): by default the last 30 up to today; refused as the tenant's own figures
    refuse it (an end before the start, too long a period: 422)."""
    return period_of(first, last, ZoneInfo(settings.TIME_ZONE))


def _sum(days: list[dict[str, Any]], key: str) -> int:
    return sum(int(d[key]) for d in days)


def _merged(histograms: Iterable[Mapping[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for histogram in histograms:
        for edge, count in histogram.items():
            merged[edge] = merged.get(edge, 0) + int(count)
    return merged


def client_figures(client: Mapping[str, Any], days: list[dict[str, Any]]) -> dict[str, Any]:
    """One client's figures over the days given (in day order); every figure None while no
    day of the period was computed."""
    row: dict[str, Any] = {"slug": client["slug"], "name": client["name"]}
    row["days_computed"] = len(days)
    if not days:
        return {**row, **dict.fromkeys((*BENCHMARKED, "last_activity", "health"))}
    decided = _sum(days, "invoices_decided")
    latest = days[-1]
    activity = [d["last_activity"] for d in days if d["last_activity"] is not None]
    return {
        **row,
        # people active on the busiest day: distinct people cannot be added up across days
        "active_users": max(int(d["active_users"]) for d in days),
        "requisitions": _sum(days, "requisitions_submitted"),
        "invoices_received": _sum(days, "invoices_received"),
        "touchless_rate": round(_sum(days, "invoices_touchless") / decided, 4) if decided else None,
        "exceptions_open": latest["exceptions_open"],
        "exceptions_overdue": latest["exceptions_overdue"],
        "approval_hours_p50": hours_p50(_merged(d["approval_hours"] for d in days)),
        "last_activity": max(activity, default=None),
        "health": {key: int(latest["health"].get(key, 0)) for key in HEALTH_KEYS},
    }


def benchmark(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure across the clients that have one (a client not computed yet,
    or a rate with nothing to divide, does not pull the median)."""
    out: dict[str, Any] = {}
    for key in BENCHMARKED:
        values = [row[key] for row in rows if row[key] is not None]
        out[key] = round(statistics.median(values), 4) if values else None
    return out


def health_problems(health: Mapping[str, int] | None) -> int | None:
    return None if health is None else sum(health.values())


def sorted_rows(rows: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    """By one column, `-column` descending; a client without the figure comes last either way."""
    column = (sort or "name").removeprefix("-")

    def value(row: dict[str, Any]) -> Any:
        return health_problems(row["health"]) if column == "health" else row[column]

    known = [row for row in rows if value(row) is not None]
    unknown = [row for row in rows if value(row) is None]
    known.sort(key=lambda row: (value(row), row["name"]), reverse=(sort or "").startswith("-"))
    return known + sorted(unknown, key=lambda row: row["name"])


def partner_figures(
    partner: Partner, *, first: date, last: date, sort: str | None = None
) -> dict[str, Any]:
    """`{from, to, tenants: [figures of each own client], benchmark}` in two queries, however
    many clients and days. Sandboxes are no clients here: their made-up activity would move
    the benchmark."""
    production = Client.objects.filter(partner=partner, kind=Client.Kind.PRODUCTION)
    clients = list(production.values("id", "slug", "name"))
    days: dict[int, list[dict[str, Any]]] = {client["id"]: [] for client in clients}
    for day in (
        ClientDay.objects.filter(client__in=production, day__range=(first, last))
        .order_by("client_id", "day")
        .values()
    ):
        days[day["client_id"]].append(dict(day))
    rows = [client_figures(client, days[client["id"]]) for client in clients]
    return {
        "from": first,
        "to": last,
        "tenants": sorted_rows(rows, sort),
        "benchmark": benchmark(rows),
    }


def partner_health(partner: Partner) -> list[dict[str, Any]]:
    """Each own client's latest computed day, health first (`/partner/operations/`): two
    queries, however many clients and days; `day` None for a client not rolled up yet."""
    clients = list(
        Client.objects.filter(partner=partner)
        .order_by("name")
        .values("id", "slug", "name", "status")
    )
    latest = {
        day["client_id"]: day
        for day in ClientDay.objects.filter(client__partner=partner)
        .order_by("client_id", "-day")
        .distinct("client_id")
        .values("client_id", "day", "health", "exceptions_overdue", "computed_at")
    }
    rows = []
    for client in clients:
        day = latest.get(client["id"])
        health = None if day is None else {k: int(day["health"].get(k, 0)) for k in HEALTH_KEYS}
        rows.append(
            {
                **{k: client[k] for k in ("slug", "name", "status")},
                "day": None if day is None else day["day"],
                "computed_at": None if day is None else day["computed_at"],
                "exceptions_overdue": None if day is None else day["exceptions_overdue"],
                "health": health,
                "problems": health_problems(health),
            }
        )
    return rows
