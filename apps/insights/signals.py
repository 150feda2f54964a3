"""From a figure worse than its benchmark to the change that would move it, with the effect
measured on the tenant's own last 90 days. A signal proposes; nothing changes until a person
acts: the tolerance signal drafts a policy version (apps.policies.services) that a tenant
admin reviews in the policy editor and publishes, or not.

- exception rate worse than average and most exceptions price variances: the spend
  category raising most of them gets the smallest price tolerance (of CANDIDATES), its
  header tolerance widened to match, that would not have raised at least half of them; the
  effect is how many of the last 90 days' price variances that change would not have raised
  where the published tolerances did, measured by matching's own rule, header included
  (apps.matching.exception_replay): the very measure the policy editor's impact preview
  shows for the draft.
- approval latency: the slowest step role (p50 over its SLA's default) proposes a delegate or
  a shorter SLA, linking to the tasks and the policy.
- the supplier behind most exceptions opens its page with its figures.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.invoices.models import InvoiceException
from apps.invoices.rules import policy_section
from apps.matching.exception_replay import (
    category_effect,
    exception_impact,
    exception_impacts,
)
from apps.policies.invoice_section import tolerances_for
from apps.policies.services import policy_draft_create

from .kpis import BY_KEY

LOOKBACK = timedelta(days=90)
CANDIDATES = (3, 5, 7.5, 10, 15)
PRICE = "price_variance"


def _with_price(section: dict[str, Any], category: str, percent: float) -> dict[str, Any]:
    """The invoice section with the category's price tolerance at `percent`, and its header
    tolerance at least as wide (absolute limits, and how they combine, kept): matching checks
    an invoice's total against the order when no line raised a price variance, so a line
    spared under a header tolerance narrower than the line's is held on the total instead."""
    changed = copy.deepcopy(section)
    tolerances = changed.setdefault("tolerances", {})
    current = tolerances_for(section, category)
    override = tolerances.setdefault("categories", {}).setdefault(category, {})
    override["price"] = {**current["price"], "percent": percent}
    header = current["header"]
    if header.get("percent") is not None and float(header["percent"]) < percent:
        override["header"] = {**header, "percent": percent}
    return changed


def _top_supplier() -> str:
    """The supplier behind most of the last 90 days' price variances."""
    top = (
        InvoiceException.objects.filter(code=PRICE, created_at__gte=timezone.now() - LOOKBACK)
        .values("invoice__supplier__name")
        .annotate(n=Count("id"))
        .order_by("-n", "invoice__supplier__name")
        .first()
    )
    return top["invoice__supplier__name"] if top else ""


def tolerance_proposal() -> dict[str, Any] | None:
    """The price tolerance change for the category raising most price variances, with how
    many of its last 90 days' variances it would not have raised; None when no candidate
    would spare at least half. Two aggregate statements whatever the volume."""
    version, document = policy_section()
    section = document["invoices"]
    days = LOOKBACK.days
    [today] = exception_impacts(before=section, afters=[section], days=days, newly=False)
    raised_by = {r["category"]: r["raised"] for r in today["by_category"] if r["code"] == PRICE}
    if not raised_by:
        return None
    category = min(raised_by, key=lambda c: (-raised_by[c], c))
    raised = raised_by[category]
    current = tolerances_for(section, category)["price"]
    percents = [
        p for p in CANDIDATES if current.get("percent") is None or p > float(current["percent"])
    ]
    if not percents:
        return None
    effects = exception_impacts(
        before=section,
        afters=[_with_price(section, category, p) for p in percents],
        days=days,
        newly=False,
    )
    for percent, effect in zip(percents, effects, strict=True):
        spared = category_effect(effect, category, PRICE)["not_raised"]
        if spared * 2 >= raised:
            return {
                "category": category,
                "supplier": _top_supplier(),
                "percent": percent,
                "current": current,
                "raised": raised,
                "accepted": spared,
                "policy_version": version.number,
            }
    return None


def tolerance_draft(*, actor: Any, category: str, percent: float) -> Any:
    """A draft of the published policy with the category's price tolerance at `percent`, its
    header tolerance at least as wide (the measured effect in its note, the number the
    editor's impact preview shows); a tenant admin publishes it, or not."""
    version, section = policy_section()
    after = _with_price(section["invoices"], category, percent)
    document = copy.deepcopy(version.document)
    document["invoices"] = {
        **copy.deepcopy(document.get("invoices") or {}),
        "tolerances": after["tolerances"],
    }
    effect = category_effect(
        exception_impact(before=section["invoices"], after=after, days=LOOKBACK.days, newly=False),
        category,
        PRICE,
    )
    widened = tolerances_for(after, category)["header"]
    if widened != tolerances_for(section["invoices"], category)["header"]:
        note = _("From insights: %(c)s price tolerance, lines and invoice total, to %(p)s%%")
    else:
        note = _("From insights: %(c)s price tolerance to %(p)s%%")
    note %= {"c": category, "p": percent}
    if effect["raised"]:
        note += _(" (would not have raised %(a)d of %(r)d price variances in 90 days)") % {
            "a": effect["not_raised"],
            "r": effect["raised"],
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
