"""From the page's lines to an invoice's fields, each with a confidence 0..1: labelled values
weighed by how plainly their label names the field and where the value stands; the totals
chosen together so that net + tax = total to the cent (EN 16931: BT-109 + BT-110 = BT-112), and
the lines' amounts summed against the net total (BT-106). A scan's fields are trusted a little
less, as far as the OCR itself was unsure."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .labels import Hit, below, hits_of, right_of
from .layout import Line, Page
from .table import lines_table
from .values import (
    amounts,
    currency_of,
    date_of,
    document_number_of,
    money_text,
    plain,
    tax_ids_of,
)

MODEL = "invoice-reading-layout-1"
FIELDS = (
    "supplier",
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "po_number",
    "total",
    "tax_total",
    "net_total",
    "lines",
)
LEGAL_FORMS = re.compile(
    r"\b(gmbh|ag|kg|ohg|ug|e\.k\.|sarl|sas|sa|s\.a\.|s\.l\.|sl|s\.a\.s\.|eurl|ltd|limited|inc|"
    r"llc|plc|bv|b\.v\.|nv|spa|s\.p\.a\.|srl|oy|ab|as|se|gbr)\b\.?"
)


@dataclass
class Reading:
    fields: dict[str, Any]
    confidence: dict[str, float]
    source: str  # "text" or "ocr"
    findings: list[dict[str, str]] = field(default_factory=list)
    text: str = ""


def _value(lines: list[Line], hit: Hit, parse: Any) -> tuple[Any, float]:
    """(value, how plainly it was found) beside the label, else below it."""
    segment = lines[hit.line].segments[hit.segment]
    weight = hit.weight
    if weight < 0.6 and hit.start <= 1 and hit.field == "invoice_number":
        weight = 0.8  # a title that carries its number: "Facture FA-2017-0010"
    found = parse(right_of(lines, hit))
    if found is not None:
        return found, weight
    found = parse(below(lines, hit))
    if found is not None:
        return found, weight * 0.95
    del segment
    return None, 0.0


def _best(candidates: list[tuple[Any, float]]) -> tuple[Any, float]:
    """The value found with most weight; a different value found nearly as plainly lowers it."""
    if not candidates:
        return None, 0.0
    scores: dict[Any, float] = {}
    for value, weight in candidates:
        scores[value] = max(scores.get(value, 0.0), weight)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    value, weight = ranked[0]
    confidence = 0.5 + 0.47 * weight
    if len(ranked) > 1 and ranked[1][1] >= weight - 0.05:
        confidence -= 0.25
    return value, round(confidence, 3)


def _labelled(lines: list[Line], hits: list[Hit], name: str, parse: Any) -> list[tuple[Any, float]]:
    out = []
    for hit in hits:
        if hit.field == name:
            value, weight = _value(lines, hit, parse)
            if value is not None:
                out.append((value, weight))
    return out


def _amount_candidates(
    lines: list[Line], hits: list[Hit], name: str, after: int
) -> list[tuple[Decimal, float]]:
    out = []
    for hit in hits:
        if hit.field != name or hit.line < after:
            continue
        found = amounts(right_of(lines, hit, whole_line=True))
        weight = hit.weight
        if not found:
            below_amounts = amounts(below(lines, hit))
            found, weight = below_amounts[:1], weight * 0.9
        for rank, value in enumerate(found[:3]):
            if value > 0 or name == "tax_total":
                out.append((value, weight * (1.0 - 0.12 * rank)))
    return out


def _totals(
    lines: list[Line], hits: list[Hit], table: list[dict[str, Any]], after: int
) -> tuple[dict[str, Any], dict[str, float], bool]:
    """The net, tax and grand totals that agree, or the plainest ones when none agree."""
    pools = {
        n: _amount_candidates(lines, hits, n, after) for n in ("net_total", "tax_total", "total")
    }
    if table:
        pools["net_total"].append((sum((r["amount"] for r in table), Decimal("0")), 0.6))
    best: tuple[float, dict[str, Any], bool] | None = None
    tops: dict[str, list[tuple[Decimal | None, float]]] = {
        n: list(sorted(p, key=lambda c: -c[1])[:6]) or [(None, 0.0)] for n, p in pools.items()
    }
    for net, tax, total in itertools.product(tops["net_total"], tops["tax_total"], tops["total"]):
        agree = (
            net[0] is not None
            and tax[0] is not None
            and total[0] is not None
            and net[0] + tax[0] == total[0]
        )
        score = net[1] + tax[1] + total[1] + (2.0 if agree else 0.0)
        if best is None or score > best[0]:
            best = (score, {"net_total": net, "tax_total": tax, "total": total}, agree)
    assert best is not None
    _score, chosen, agree = best
    values = {k: v[0] for k, v in chosen.items()}
    confidence = {
        k: (round(0.9 + 0.07 * v[1], 3) if agree else round(0.3 + 0.45 * v[1], 3))
        if v[0] is not None
        else 0.0
        for k, v in chosen.items()
    }
    return values, confidence, bool(agree)


def _buyer_lines(lines: list[Line], hits: list[Hit]) -> set[int]:
    """The lines of the buyer's block: the line of a buyer label and the four below it."""
    out: set[int] = set()
    for hit in hits:
        if hit.field == "buyer":
            out.update(range(hit.line, hit.line + 5))
    return out


def _supplier(lines: list[Line], hits: list[Hit]) -> tuple[dict[str, Any], float]:
    buyers = _buyer_lines(lines, hits)
    tax_id, tax_valid = "", False
    for index, line in enumerate(lines):
        if index in buyers:
            continue
        for candidate, valid in tax_ids_of(line.text):
            if not tax_id or (valid and not tax_valid):
                tax_id, tax_valid = candidate, valid
    name, name_weight = "", 0.0
    for hit in hits:
        if hit.field == "seller":
            text = right_of(lines, hit) or below(lines, hit)
            if text and any(c.isalpha() for c in text):
                name, name_weight = text, hit.weight
                break
    if not name:
        labelled = {h.line for h in hits if h.field != "seller"}
        for index, line in enumerate(lines[:12]):
            if index in buyers or index in labelled or line.page:
                continue
            text = line.segments[0].text
            if sum(c.isalpha() for c in text) < 3 or tax_ids_of(text):
                continue
            weight = 0.85 if LEGAL_FORMS.search(plain(text)) else 0.5
            if weight > name_weight:
                name, name_weight = text, weight
            if weight > 0.8:
                break
    name = re.split(r"\s[-\u2013|·•]\s|,\s", name)[0].strip(" :") if name else ""
    confidence = 0.5 + 0.45 * name_weight if name else 0.0
    if tax_id:
        confidence = max(confidence, 0.9 if tax_valid else 0.6)
    return {"name": name, "tax_id": tax_id, "tax_id_valid": tax_valid, "id": None}, round(
        confidence, 3
    )


def fields_of(page: Page) -> Reading:
    lines = page.lines
    hits = hits_of(lines)
    fields: dict[str, Any] = {}
    confidence: dict[str, float] = {}
    findings: list[dict[str, str]] = []
    for name, parse in (
        ("invoice_number", document_number_of),
        ("po_number", document_number_of),
        ("invoice_date", date_of),
        ("due_date", date_of),
        ("currency", currency_of),
    ):
        fields[name], confidence[name] = _best(_labelled(lines, hits, name, parse))
    if fields["invoice_date"] is None:
        first = next((d for d in (date_of(line.text) for line in lines) if d), None)
        fields["invoice_date"], confidence["invoice_date"] = first, 0.45 if first else 0.0
    if fields["currency"] is None:
        found = currency_of(page.text)
        fields["currency"], confidence["currency"] = found, 0.8 if found else 0.0
    table, after = lines_table(lines)
    totals, total_confidence, agree = _totals(lines, hits, table, after or 0)
    fields.update(totals)
    confidence.update(total_confidence)
    if totals["total"] is not None and not agree:
        findings.append({"code": "totals_disagree", "detail": "net + tax ≠ total"})
    lines_sum = sum((r["amount"] for r in table), Decimal("0"))
    lines_agree = (
        bool(table) and totals["net_total"] is not None and lines_sum == totals["net_total"]
    )
    fields["lines"] = table
    confidence["lines"] = 0.95 if lines_agree else (0.5 if table else 0.0)
    if table and totals["net_total"] is not None and not lines_agree:
        findings.append({"code": "lines_disagree", "detail": "Σ lines ≠ net total"})
    if (
        fields["due_date"]
        and fields["invoice_date"]
        and fields["due_date"] < fields["invoice_date"]
    ):
        confidence["due_date"] = min(confidence["due_date"], 0.4)
    fields["supplier"], confidence["supplier"] = _supplier(lines, hits)
    if page.source == "ocr":  # as unsure as the OCR was
        factor = 0.9 + 0.1 * page.ocr_score
        confidence = {k: round(v * factor, 3) for k, v in confidence.items()}
    for key in ("invoice_date", "due_date"):
        fields[key] = fields[key].isoformat() if fields[key] else None
    for key in ("total", "tax_total", "net_total"):
        fields[key] = money_text(fields[key])
    fields["lines"] = [
        {
            k: (
                money_text(v)
                if k in ("unit_price", "amount")
                else (None if v is None else str(v))
                if k == "quantity"
                else v
            )
            for k, v in row.items()
        }
        for row in table
    ]
    return Reading(fields, confidence, page.source, findings, page.text)
