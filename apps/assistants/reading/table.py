"""The invoice's lines table: a header line naming the description and at least two of
quantity, unit price and amount; below it, each line whose numbers stand under those columns,
until the totals. A line without numbers continues the description above it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .labels import segment_hits
from .layout import Line, Segment
from .values import CENT, amount_of, compact, number_of
from .vocabulary import COLUMN_LABELS

TOTALS = {"net_total", "tax_total", "total"}


def _column_of(segment: Segment) -> list[tuple[str, float, float]]:
    """The columns a header segment names, each with its x-range (a segment may hold two,
    "Qty Unit price", when OCR joins them)."""
    flat, where = compact(segment.text)
    found: list[tuple[int, int, str]] = []
    for name, labels in COLUMN_LABELS.items():
        for label in sorted(labels, key=len, reverse=True):
            key = compact(label)[0]
            at = flat.find(key)
            if at >= 0 and not any(s < at + len(key) and at < e for s, e, _n in found):
                found.append((at, at + len(key), name))
    out = []
    for start, end, name in sorted(found):
        x0 = segment.char_x(where[start]) if len(found) > 1 else segment.x0
        x1 = segment.char_x(where[end - 1] + 1) if len(found) > 1 else segment.x1
        out.append((name, x0, x1))
    return out


def header_of(lines: list[Line]) -> tuple[int, dict[str, tuple[float, float]]] | None:
    for index, line in enumerate(lines):
        columns: dict[str, tuple[float, float]] = {}
        for segment in line.segments:
            for name, x0, x1 in _column_of(segment):
                columns.setdefault(name, (x0, x1))
        if "description" in columns and len(columns) >= 3:
            return index, columns
    return None


def _column(segment: Segment, columns: dict[str, tuple[float, float]]) -> str:
    """The last column whose header starts left of where the value ends: numbers stand
    right-aligned under headers that are left-aligned, right-aligned or centred."""
    starts = sorted((x0, name) for name, (x0, _x1) in columns.items())
    chosen = starts[0][1]
    for x0, name in starts:
        if x0 <= segment.x1 + 2:
            chosen = name
    return chosen


def _is_number(text: str) -> bool:
    stripped = text.replace("€", "").replace("$", "").replace("£", "").strip()
    for code in ("EUR", "USD", "GBP", "CHF"):
        stripped = stripped.replace(code, "").strip()
    return bool(stripped) and sum(c.isdigit() for c in stripped) >= max(1, len(stripped) // 2)


def lines_table(lines: list[Line]) -> tuple[list[dict[str, Any]], int | None]:
    """([{description, quantity, unit_price, amount}], index of the line after the table)."""
    found = header_of(lines)
    if found is None:
        return [], None
    start, columns = found
    left = min(x0 for x0, _x1 in columns.values()) - 12
    height = max(1.0, lines[start].bottom - lines[start].top)
    rows: list[dict[str, Any]] = []
    previous = lines[start]
    end = start + 1
    for end in range(start + 1, len(lines)):
        line = lines[end]
        if line.page != previous.page and rows:
            pass
        elif line.top - previous.bottom > 4 * height:
            break
        if any(h[2] in TOTALS for s in line.segments for h in segment_hits(s)):
            break
        cells: dict[str, list[str]] = {}
        for segment in line.segments:
            if segment.x1 < left:
                continue  # beside the table (a sidebar)
            column = _column(segment, columns)
            if column != "description" and not _is_number(segment.text):
                column = "description"
            cells.setdefault(column, []).append(segment.text)
        numbers = {k: " ".join(v) for k, v in cells.items() if k != "description"}
        description = " ".join(cells.get("description", []))
        if not numbers:
            if rows and description:
                rows[-1]["description"] += " " + description
            previous = line
            continue
        quantity = number_of(numbers.get("quantity", ""))
        price = amount_of(numbers.get("unit_price", ""))
        amount = amount_of(numbers.get("amount", ""))
        if amount is None and quantity is not None and price is not None:
            amount = (quantity * price).quantize(CENT)
        if amount is None:
            previous = line
            continue
        if quantity is None and price is not None and price:
            quantity = (amount / price).quantize(Decimal("0.001")).normalize()
        rows.append(
            {
                "description": description.strip(),
                "quantity": quantity,
                "unit_price": price,
                "amount": amount,
            }
        )
        previous = line
    else:
        end = len(lines)
    return rows, end
