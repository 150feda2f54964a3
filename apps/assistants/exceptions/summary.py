"""The case in plain language, one translatable sentence per fact: what differs and by how
much, against which tolerance, the supplier's year of the same code, how the most similar
cases were resolved and by whom, and what is suggested (or why nothing is)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.invoices.exception_codes import CODE_LABELS, CODES, RESOLUTION_LABELS
from apps.organization.money import amount_text, unit_price_text

from .history import Case
from .neighbours import HISTORY_FLOOR, Neighbour, Suggestion


def number(value: Any, places: int = 2) -> str:
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return str(number_format(exact, places))


def signed_percent(value: float | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + number(round(value, 1), 1)


def label(resolution: str) -> str:
    if resolution == "open":
        return _("still open")
    return str(RESOLUTION_LABELS.get(resolution, resolution))


def code_label(code: str) -> str:
    return str(CODE_LABELS.get(code, code))


def person(user: User | None) -> str:
    if user is None:
        return _("someone no longer here")
    return user.get_full_name() or user.email


def _tally(counts: Counter[str] | dict[str, int]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{label(r)} ({n})" for r, n in ordered)


def what_differs(case: Case, detail: str) -> str:
    d, cur = case.data, case.currency
    if case.code == "price_variance" and "ordered" in d:
        return _(
            "Line %(line)s is invoiced at %(invoiced)s a unit against %(ordered)s on the order "
            "(%(percent)s %%): %(amount)s %(currency)s over in all."
        ) % {
            "line": d.get("line_no", "?"),
            "invoiced": unit_price_text(d.get("invoiced", 0), cur),
            "ordered": unit_price_text(d["ordered"], cur),
            "percent": signed_percent(case.percent),
            "amount": amount_text(case.amount, cur),
            "currency": cur,
        }
    if case.code == "price_variance" and d.get("header"):
        return _(
            "The invoice is %(amount)s %(currency)s above the order value of its lines, "
            "%(expected)s (%(percent)s %%)."
        ) % {
            "amount": amount_text(case.amount, cur),
            "currency": cur,
            "expected": amount_text(d.get("expected", 0), cur),
            "percent": signed_percent(case.percent),
        }
    if case.code == "quantity_variance" and "open_on_order" in d:
        return _(
            "Line %(line)s invoices %(invoiced)s where %(open)s are left on the order "
            "(%(percent)s %%): %(amount)s %(currency)s at the order price."
        ) % {
            "line": d.get("line_no", "?"),
            "invoiced": number(d.get("invoiced", 0), 0),
            "open": number(d["open_on_order"], 0),
            "percent": signed_percent(case.percent),
            "amount": amount_text(case.amount, cur),
            "currency": cur,
        }
    what = CODES[case.code][2] if case.code in CODES else ""
    return _("%(what)s %(detail)s") % {"what": what, "detail": detail}


def short_differs(case: Case) -> str:
    """What differs in a few words (escalation notices)."""
    d = case.data
    if case.code == "price_variance" and "ordered" in d:
        return _("Price %(invoiced)s vs order %(ordered)s (%(percent)s %%)") % {
            "invoiced": unit_price_text(d.get("invoiced", 0), case.currency),
            "ordered": unit_price_text(d["ordered"], case.currency),
            "percent": signed_percent(case.percent),
        }
    if case.amount:
        return _("%(code)s of %(amount)s %(currency)s") % {
            "code": code_label(case.code),
            "amount": amount_text(case.amount, case.currency),
            "currency": case.currency,
        }
    return code_label(case.code)


def tolerance(case: Case, applied: tuple[str, dict[str, Any]] | None) -> str:
    if applied is None:
        return ""
    version, limits = applied
    parts = []
    if limits.get("percent") is not None:
        parts.append(_("%(percent)s %%") % {"percent": number(limits["percent"], 1)})
    if limits.get("absolute") is not None:
        parts.append(
            _("%(absolute)s %(currency)s")
            % {
                "absolute": amount_text(limits["absolute"], case.currency),
                "currency": case.currency,
            }
        )
    joined = (_(" or ") if limits.get("combine") == "or" else _(" and ")).join(parts)
    kinds = {"price": _("price"), "quantity": _("quantity"), "header": _("invoice total")}
    kind = "price" if case.code == "price_variance" else "quantity"
    kind = "header" if case.data.get("header") else kind
    if not parts:
        return _("Policy %(version)s allows no %(kind)s variance.") % {
            "version": version,
            "kind": kinds[kind],
        }
    return _("Policy %(version)s allows a %(kind)s variance within %(limits)s.") % {
        "version": version,
        "kind": kinds[kind],
        "limits": joined,
    }


def supplier_history(case: Case, year: dict[str, int]) -> str:
    count = sum(year.values())
    if not count:
        return _("This is %(supplier)s's first %(code)s in twelve months.") % {
            "supplier": case.supplier_name,
            "code": code_label(case.code).lower(),
        }
    return ngettext(
        "%(supplier)s had %(count)s other %(code)s exception in the last twelve months: %(how)s.",
        "%(supplier)s had %(count)s other %(code)s exceptions in the last twelve months: %(how)s.",
        count,
    ) % {
        "supplier": case.supplier_name,
        "count": count,
        "code": code_label(case.code).lower(),
        "how": _tally(year),
    }


def similar_cases(case: Case, neighbours: Sequence[Neighbour], users: dict[int, User]) -> str:
    if not neighbours:
        return _("No %(code)s has been resolved here before.") % {
            "code": code_label(case.code).lower()
        }
    how = Counter(n.case.resolution for n in neighbours)
    who = Counter(person(users.get(n.case.decided_by or 0)) for n in neighbours)
    return ngettext(
        "The most similar past case was resolved: %(how)s, by %(who)s.",
        "The %(count)s most similar past cases were resolved: %(how)s, by %(who)s.",
        len(neighbours),
    ) % {
        "count": len(neighbours),
        "how": _tally(how),
        "who": ", ".join(
            f"{name} ({n})" for name, n in sorted(who.items(), key=lambda i: (-i[1], i[0]))
        ),
    }


def suggestion(s: Suggestion, *, history: int, threshold: float, authority: str = "") -> str:
    if s.reason == "too_little_history":
        return _(
            "No suggestion: %(count)s similar resolved cases here, at least %(floor)s are needed."
        ) % {"count": history, "floor": HISTORY_FLOOR}
    parts = []
    if s.resolution is not None:
        parts.append(
            _("Suggested: %(resolution)s (%(confidence)s %% of the weighted similar cases).")
            % {
                "resolution": label(s.resolution),
                "confidence": number((s.confidence or 0) * 100, 0),
            }
        )
    elif s.reason == "below_threshold":
        parts.append(
            _(
                "No suggestion: the similar cases you may follow agree only %(confidence)s %%, "
                "below the policy's %(threshold)s %%."
            )
            % {
                "confidence": number((s.confidence or 0) * 100, 0),
                "threshold": number(threshold * 100, 0),
            }
        )
    if s.top is not None and not s.top_allowed:
        parts.append(
            _(
                "Most similar cases were resolved by %(resolution)s (%(share)s %%), which you "
                "may not take here%(why)s."
            )
            % {
                "resolution": label(s.top),
                "share": number((s.top_share or 0) * 100, 0),
                "why": authority,
            }
        )
    return " ".join(parts)
