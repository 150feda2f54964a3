"""From a figure worse than its benchmark to the change that would move it, with the effect
measured on the tenant's own last 90 days. A signal proposes; nothing changes until a person
acts: the tolerance signal drafts a policy version (apps.policies.services) that a tenant
admin reviews in the policy editor and publishes, or not.

- exception rate worse than average and most exceptions price variances: the spend
  category raising most of them gets the smallest price tolerance (of CANDIDATES) that would
  not have raised at least half of them; the effect is how many of the last 90 days' price
  variances that tolerance would have accepted (matching's own rule, tolerances.within).
- approval latency: the slowest step role (p50 over its SLA's default) proposes a delegate or
  a shorter SLA, linking to the tasks and the policy.
- the supplier behind most exceptions opens its page with its figures.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.invoices.models import InvoiceException
from apps.invoices.rules import policy_section
from apps.invoices.tolerances import within
from apps.policies.invoice_section import tolerances_for
from apps.policies.services import policy_draft_create

from .kpis import BY_KEY

LOOKBACK = timedelta(days=90)
CANDIDATES = (3, 5, 7.5, 10, 15)


def _price_variances() -> list[tuple[str, Decimal, Decimal, str]]:
    """(spend category, per-unit variance, order unit price, supplier) of the last 90 days'
    price variances on an order: plain rows from one query (thousands of them at scale)."""
    rows = InvoiceException.objects.filter(
        code="price_variance",
        created_at__gte=timezone.now() - LOOKBACK,
        line__match__order_unit_price__isnull=False,
        invoice__purchase_order__isnull=False,
    ).values_list(
        "invoice__purchase_order__requisition__spend_category__code",
        "line__unit_price",
        "line__match__order_unit_price",
        "invoice__supplier__name",
    )
    return [
        (code or "", price - base, base, supplier)
        for code, price, base, supplier in rows
        if base is not None  # the filter above keeps none without; typed as optional
    ]


def tolerance_proposal() -> dict[str, Any] | None:
    """The price tolerance change for the category raising most price variances, with how
    many of its last 90 days' variances it would have accepted; None when no candidate
    would accept at least half."""
    rows = _price_variances()
    if not rows:
        return None
    category, raised = Counter(r[0] for r in rows).most_common(1)[0]
    version, section = policy_section()
    current = tolerances_for(section["invoices"], category)["price"]
    for percent in CANDIDATES:
        if current.get("percent") is not None and percent <= float(current["percent"]):
            continue
        limits = {**current, "percent": percent}
        accepted = sum(1 for c, v, b, _s in rows if c == category and within(v, b, limits))
        if accepted * 2 >= raised:
            return {
                "category": category,
                "supplier": Counter(r[3] for r in rows).most_common(1)[0][0],
                "percent": percent,
                "current": current,
                "raised": raised,
                "accepted": accepted,
                "policy_version": version.number,
            }
    return None


def tolerance_draft(*, actor: Any, category: str, percent: float) -> Any:
    """A draft of the published policy with the category's price tolerance at `percent`
    (the measured effect in its note); a tenant admin publishes it, or not."""
    version, section = policy_section()
    document = copy.deepcopy(version.document)
    invoices = document.setdefault("invoices", copy.deepcopy(section["invoices"]))
    tolerances = invoices.setdefault("tolerances", copy.deepcopy(section["invoices"]["tolerances"]))
    overrides = tolerances.setdefault("categories", {})
    price = {**tolerances_for(section["invoices"], category)["price"], "percent": percent}
    overrides.setdefault(category, {})["price"] = price
    proposal = tolerance_proposal() or {}
    note = _("From insights: %(c)s price tolerance to %(p)s%%") % {"c": category, "p": percent}
    if proposal.get("category") == category:
        note += _(" (would not have raised %(a)d of %(r)d price variances in 90 days)") % {
            "a": proposal["accepted"],
            "r": proposal["raised"],
        }
    return policy_draft_create(actor=actor, document=document, note=note[:200])


def signals(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """What to change where a figure is worse than its benchmark, in the answer's terms."""
    found: list[dict[str, Any]] = []
    invoices, exceptions = answer.get("invoices"), answer.get("exceptions")
    rate = BY_KEY["invoices.exception_rate"].benchmark
    if invoices and exceptions and rate and rate.verdict(invoices["exception_rate"]) == "worse":
        codes = exceptions["by_code"]
        if codes and max(codes, key=codes.get) == "price_variance":
            proposal = tolerance_proposal()
            if proposal:
                found.append({"kind": "tolerance", **proposal})
    approvals = answer.get("approvals")
    if approvals and approvals["by_role"]:
        slow = max(approvals["by_role"].items(), key=lambda kv: kv[1]["hours_p50"] or 0)
        if (slow[1]["hours_p50"] or 0) >= 24:
            found.append({"kind": "slow_step", "role": slow[0], **slow[1]})
    if exceptions and exceptions["by_supplier"] and exceptions["raised"]:
        top = exceptions["by_supplier"][0]
        if top["raised"] * 3 >= exceptions["raised"] and exceptions["raised"] >= 3:
            found.append({"kind": "supplier", **top, "share": top["raised"] / exceptions["raised"]})
    return found
