"""`/insights/process/`: the process map of requisitions or invoices for a period, its variants
(also as CSV) and conformance, and `/insights/process/cases/`: the cases behind one arrow."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.pages import csv_download, refusal_shown
from apps.api.query import Filters, QueryParam
from apps.controls.periods import Period

from .process import KINDS, may_read, process_edge_cases, process_map, process_period
from .process_drawing import hours_text, process_drawing
from .process_labels import activity_label

PERIOD_FILTERS = Filters(
    QueryParam.choice("kind", KINDS, "requisition (the default) or invoice"),
    QueryParam("from", "date", description="The first day of the period (its cases' first event)."),
    QueryParam("to", "date", description="The period's last day, included (default: today)."),
)
EDGE_FILTERS = Filters(
    *PERIOD_FILTERS.params,
    QueryParam("source", required=True, description="The activity the cases left."),
    QueryParam("target", required=True, description="The activity they went to next."),
)


def _reader(request: HttpRequest) -> User:
    user = current_user(request)
    if not may_read(user):
        raise PermissionDenied
    return user


def _period_of(request: HttpRequest, filters: Filters) -> tuple[dict[str, Any], Period]:
    """The filters as sent; on a refusal (shown as the page's message), the defaults."""
    with refusal_shown(request):
        values = filters.read(request.GET)
        return values, process_period(values["from"], values["to"])
    return dict.fromkeys((p.name for p in filters.params), None), process_period(None, None)


def _query(kind: str, period: Period, **extra: str) -> str:
    return urlencode({"kind": kind, **period.query(), **extra})


@login_required
def process_page(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    values, period = _period_of(request, PERIOD_FILTERS)
    kind = values["kind"] or "requisition"
    result = process_map(actor=user, kind=kind, period=period)
    labels = {a["name"]: a["label"] for a in result["activities"]}
    if request.GET.get("format") == "csv":
        return _variants_csv(result, labels, kind, period)
    query = _query(kind, period)
    return render(
        request,
        "insights/process.html",
        {
            "result": result,
            "kind": kind,
            "kinds": list(KINDS),
            "period": period,
            "query": query,
            "drawing": process_drawing(result),
            "edges": [
                {
                    **edge,
                    "from_label": labels[edge["from"]],
                    "to_label": labels[edge["to"]],
                    "median": hours_text(edge["hours_p50"]),
                    "query": _query(kind, period, source=edge["from"], target=edge["to"]),
                }
                for edge in result["edges"]
            ],
            "variants": [
                {**v, "labels": [labels.get(step, step) for step in v["path"]]}
                for v in result["variants"]
            ],
        },
    )


def _variants_csv(
    result: dict[str, Any], labels: dict[str, str], kind: str, period: Period
) -> HttpResponse:
    rows: list[list[object]] = [["rank", "cases", "share", "steps", "path", "activities"]]
    for rank, variant in enumerate(result["variants"], start=1):
        rows.append(
            [
                rank,
                variant["count"],
                f"{variant['share']:.4f}",
                len(variant["path"]),
                " > ".join(labels.get(step, step) for step in variant["path"]),
                " ".join(variant["path"]),
            ]
        )
    name = f"process-variants-{kind}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return csv_download(name, rows)


@login_required
def process_cases_page(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    values, period = _period_of(request, EDGE_FILTERS)
    kind = values["kind"] or "requisition"
    source, target = values.get("source") or "", values.get("target") or ""
    total, cases = process_edge_cases(
        actor=user, kind=kind, period=period, source=source, target=target
    )
    return render(
        request,
        "insights/process_cases.html",
        {
            "kind": kind,
            "period": period,
            "source": activity_label(source) if source else "",
            "target": activity_label(target) if target else "",
            "total": total,
            "cases": cases,
            "back": _query(kind, period),
        },
    )
