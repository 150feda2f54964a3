"""`/insights/`: the period's KPIs beside their benchmarks, weekly trends, exceptions by code
and supplier, aging, approval latency by role — every figure a link to the list it counts —
CSV of every table, and the change that would move a figure worse than its benchmark."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.current import current_user
from apps.accounts.pages import may_open, require_page
from apps.api.pages import csv_download, refusal_shown
from apps.controls.periods import day_of, period_of
from apps.invoices.figures import AGES
from apps.invoices.models import Invoice
from apps.organization.models import LegalEntity
from apps.portal.labels import label
from apps.tenancy.context import tenant_zone

from .charts import bar_chart, trend_chart
from .figures import Scope, insights_figures, weekly_trend
from .kpis import BY_KEY
from .period import reader_period
from .signals import signals, tolerance_draft


def period_asked(request: HttpRequest, user: Any) -> Any:
    """The period and legal entity the page's filters ask for (a refused filter: the default
    period, said on the page)."""
    entity = request.GET.get("legal_entity") or None
    with refusal_shown(request) as refused:
        first, last = day_of(request.GET.get("from"), "from"), day_of(request.GET.get("to"), "to")
        return reader_period(user, first, last, entity), entity
    if refused:
        return period_of(None, None, tenant_zone()), None
    raise AssertionError  # pragma: no cover (the block returns or is refused)


def _link(path: str, **query: Any) -> str:
    return f"{path}?{urlencode({k: v for k, v in query.items() if v})}"


def _tile(key: str, value: Any, shown: str, link: str = "", note: str = "") -> dict[str, Any]:
    kpi = BY_KEY[key]
    bench = kpi.benchmark
    return {
        "key": key,
        "label": kpi.label,
        "formula": kpi.formula,
        "shown": shown,
        "link": link,
        "note": note,
        "benchmark": bench,
        "verdict": bench.verdict(value) if bench else "",
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _tiles(
    answer: dict[str, Any], span: dict[str, str], entity: str | None, tasks_listed: bool
) -> list[dict]:
    """The tiles, each with its link to the list it counts (`tasks_listed`: the reader may
    open the approval tasks behind the latency, /insights/approvals/)."""
    tiles = []
    inv, exc, apr = answer["invoices"], answer["exceptions"], answer["approvals"]
    if inv:
        each = {**span, "legal_entity": entity, "kind": "invoice"}
        tiles += [
            _tile(
                "invoices.received",
                inv["received"],
                str(inv["received"]),
                _link("/invoices/", **each),
            ),
            _tile(
                "invoices.touchless_rate",
                inv["touchless_rate"],
                _pct(inv["touchless_rate"]),
                _link("/invoices/", **each, figure="touchless"),
                _("%(n)d of %(d)d decided") % {"n": inv["touchless"], "d": inv["decided"]},
            ),
            _tile(
                "invoices.exception_rate",
                inv["exception_rate"],
                _pct(inv["exception_rate"]),
                _link("/invoices/", **each, figure="with_exceptions"),
            ),
            _tile(
                "invoices.first_pass_match_rate",
                inv["first_pass_match_rate"],
                _pct(inv["first_pass_match_rate"]),
                _link("/invoices/", **each, figure="first_pass"),
            ),
            _tile(
                "invoices.cycle_days_p50",
                inv["cycle_days_p50"],
                "—" if inv["cycle_days_p50"] is None else _("%s days") % inv["cycle_days_p50"],
                _link("/invoices/", **each, figure="approved"),
            ),
        ]
    if exc:
        tiles += [
            _tile(
                "exceptions.open",
                exc["open"],
                str(exc["open"]),
                _link("/exceptions/", status="open", legal_entity=entity),
            ),
            _tile(
                "exceptions.overdue",
                exc["overdue"],
                str(exc["overdue"]),
                _link("/exceptions/", status="overdue", legal_entity=entity),
            ),
            _tile(
                "exceptions.hours_to_resolve_p50",
                exc["hours_to_resolve_p50"],
                "—" if exc["hours_to_resolve_p50"] is None else f"{exc['hours_to_resolve_p50']} h",
                _link(
                    "/exceptions/",
                    status="resolved",
                    legal_entity=entity,
                    resolved_from=span["from"],
                    resolved_to=span["to"],
                ),
            ),
        ]
    if apr:
        shown = "—" if apr["hours_p50"] is None else f"{apr['hours_p50']} h"
        tiles.append(
            _tile(
                "approvals.hours_p50",
                apr["hours_p50"],
                shown,
                _link("/insights/approvals/", **span, legal_entity=entity) if tasks_listed else "",
                f"p90 {apr['hours_p90'] or '—'} h",
            )
        )
    advice = answer["advice"]
    if advice:
        tiles.append(
            _tile(
                "advice.acceptance_rate",
                advice["acceptance_rate"],
                _pct(advice["acceptance_rate"]),
                "",
                _("%(n)d followed of %(d)d decided; %(s)d shown")
                % {
                    "n": advice["accepted"],
                    "d": sum(
                        a["followed"] + a["overridden"] for a in advice["by_assistant"].values()
                    ),
                    "s": advice["shown"],
                },
            )
        )
    return tiles


def _tables(
    answer: dict[str, Any], span: dict[str, str], entity: str | None, tasks_listed: bool
) -> dict[str, Any]:
    exc, inv = answer["exceptions"], answer["invoices"]
    raised = {"status": "all", "legal_entity": entity, "raised_from": span["from"]}
    raised["raised_to"] = span["to"]
    tables: dict[str, Any] = {}
    if exc:
        tables["codes"] = [
            (code, n, _link("/exceptions/", **raised, code=code))
            for code, n in sorted(exc["by_code"].items(), key=lambda kv: -kv[1])
        ]
        tables["suppliers"] = [
            (s["name"], s["raised"], _link("/exceptions/", **raised, supplier=s["supplier"]))
            for s in exc["by_supplier"]
        ]
        tables["aging"] = [
            (b, exc["aging"][b], _link("/exceptions/", status="open", legal_entity=entity, age=b))
            for b in AGES
        ]
    if inv:
        tables["channels"] = [
            (
                ch,
                row["received"],
                row["exceptions"],
                _link("/invoices/", **span, legal_entity=entity, kind="invoice", channel=ch),
            )
            for ch, row in inv["by_channel"].items()
        ]
    if answer["approvals"]:
        tables["roles"] = [
            (
                role,
                row["decided"],
                row["hours_p50"],
                row["hours_p90"],
                _link("/insights/approvals/", **span, legal_entity=entity, role=role)
                if tasks_listed
                else "",
            )
            for role, row in sorted(answer["approvals"]["by_role"].items())
        ]
    return tables


CSV_TABLES = {
    "codes": ("exception code", "raised"),
    "suppliers": ("supplier", "exceptions raised"),
    "aging": ("age in days", "open exceptions"),
    "channels": ("channel", "received", "with exceptions"),
    "roles": ("step role", "decided", "hours p50", "hours p90"),
}


@login_required
def insights_home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require_page(user, "insights")
    period, entity = period_asked(request, user)
    answer = insights_figures(user, period, entity)
    span = period.query()
    tasks_listed = user.has_perm("accounts.view_insights")
    tables = _tables(answer, span, entity, tasks_listed)
    table = request.GET.get("csv")
    if table in CSV_TABLES and table in tables:
        rows = [row[:-1] for row in tables[table]]
        name = f"insights-{table}-{span['from']}-{span['to']}.csv"
        return csv_download(name, [CSV_TABLES[table], *rows])
    trend = weekly_trend(Scope(user, period, entity, period.until)) if answer["invoices"] else []
    found = signals(answer)
    return render(
        request,
        "insights/home.html",
        {
            "answer": answer,
            "span": span,
            "entity": entity,
            "entities": LegalEntity.objects.order_by("code").values_list("code", "name"),
            "tiles": _tiles(answer, span, entity, tasks_listed),
            "tables": tables,
            "trend_svg": trend_chart(
                trend,
                [
                    ("touchless_rate", _("Touchless rate"), "series-a"),
                    ("exception_rate", _("Exception rate"), "series-b"),
                ],
            ),
            "codes_svg": bar_chart(
                [
                    (label(code, "exception_code"), n, link)
                    for code, n, link in tables.get("codes", [])
                ][:10],
                _("Exceptions by code"),
            ),
            "may_open_suppliers": may_open(user, "suppliers"),
            "channels": dict(Invoice.Channel.choices),
            "signals": found,
            "may_draft": user.has_perm("accounts.manage_settings"),
            "kpis": BY_KEY.values(),
        },
    )


@login_required
@require_POST
def tolerance_draft_page(request: HttpRequest) -> HttpResponse:
    """Draft the proposed tolerance (tenant admins); the policy editor opens on the draft with
    its impact preview."""
    user = current_user(request)
    require_page(user, "insights")
    with refusal_shown(request) as refused:
        draft = tolerance_draft(
            actor=user,
            category=request.POST.get("category", ""),
            percent=float(request.POST.get("percent") or 0),
        )
        done = _("Draft v%d: review it, then publish or discard.") % draft.number
        messages.success(request, done)
        # the editor opens with the impact preview shown: the same measure as the tile's
        return redirect(reverse("policy-page", kwargs={"number": draft.number}) + "?impact=1")
    assert refused
    return redirect("/insights/")
