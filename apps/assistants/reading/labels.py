"""Labels found on the page and the values beside them: the value to the right of a label (in
its own segment, else the next one on the line) or, failing that, below it (a stacked box).
Where labels overlap ("Date de facture" holds "facture"), the longest one counts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .layout import Line, Segment
from .values import compact
from .vocabulary import FIELD_LABELS

SHORT = 4  # labels this short must end at a word's end too ("ust" is not in "August")


@dataclass(frozen=True)
class Hit:
    """One label on the page."""

    field: str
    weight: float
    line: int  # index of the line
    segment: int  # index of the segment in the line
    start: int  # character offsets of the label in the segment's text
    end: int


@cache
def label_table() -> list[tuple[str, str, float]]:
    """(compact label, field, weight), longest first."""
    rows = {
        (compact(label)[0], name, weight)
        for name, labels in FIELD_LABELS.items()
        for label, weight in labels
    }
    return sorted(rows, key=lambda r: (-len(r[0]), r[1]))


def _starts_word(text: str, at: int) -> bool:
    if at == 0:
        return True
    before, here = text[at - 1], text[at]
    return not before.isalnum() or (before.islower() and here.isupper()) or before.isdigit()


def _ends_word(text: str, at: int) -> bool:
    if at >= len(text):
        return True
    before, here = text[at - 1], text[at]
    return not here.isalpha() or (before.islower() and here.isupper())


def segment_hits(segment: Segment) -> list[tuple[int, int, str, float]]:
    """(start, end, field, weight) of the labels in one segment, overlaps resolved longest
    first."""
    text = segment.text
    flat, where = compact(text)
    taken: list[tuple[int, int, str, float]] = []
    for label, name, weight in label_table():
        begin = flat.find(label)
        while begin >= 0:
            start, end = where[begin], where[begin + len(label) - 1] + 1
            ok = _starts_word(text, start) and (len(label) > SHORT or _ends_word(text, end))
            if ok and not any(s < end and start < e for s, e, _n, _w in taken):
                taken.append((start, end, name, weight))
            begin = flat.find(label, begin + 1)
    return sorted(taken)


def hits_of(lines: list[Line]) -> list[Hit]:
    out = []
    for li, line in enumerate(lines):
        for si, segment in enumerate(line.segments):
            for start, end, name, weight in segment_hits(segment):
                out.append(Hit(name, weight, li, si, start, end))
    return out


def is_label(segment: Segment) -> bool:
    """Whether the segment opens with a label (then it is no value)."""
    found = segment_hits(segment)
    return bool(found) and found[0][0] <= 1


def right_of(lines: list[Line], hit: Hit, *, whole_line: bool = False) -> str:
    """The text after the label: the rest of its segment up to the next label; if that holds
    nothing, the next segment on the line unless it is a label itself. `whole_line`: every
    segment to the right (an amount printed at the line's far end)."""
    line = lines[hit.line]
    segment = line.segments[hit.segment]
    after = [h for h in segment_hits(segment) if h[0] >= hit.end]
    rest = segment.text[hit.end : after[0][0] if after else None]
    following = line.segments[hit.segment + 1 :]
    if whole_line:
        return "  ".join([rest, *[s.text for s in following]])
    if any(c.isalnum() for c in rest):
        return rest
    for nxt in following[:1]:
        if not is_label(nxt):
            return nxt.text
    return ""


def below(lines: list[Line], hit: Hit, depth: int = 3) -> str:
    """The text under the label: in the next lines (at most `depth`, same page), the segment
    that overlaps the label's columns most, unless it is a label itself."""
    line = lines[hit.line]
    segment = line.segments[hit.segment]
    left = segment.char_x(hit.start) - 4
    right = max(segment.char_x(hit.end), left + 40) + 4
    height = max(1.0, line.bottom - line.top)
    for nxt in lines[hit.line + 1 : hit.line + 1 + depth]:
        if nxt.page != line.page or nxt.top - line.bottom > 2.6 * height:
            return ""
        overlapping = [
            (min(right, s.x1) - max(left, s.x0), s)
            for s in nxt.segments
            if min(right, s.x1) - max(left, s.x0) > 0
        ]
        if overlapping:
            _overlap, best = max(overlapping, key=lambda o: o[0])
            return "" if is_label(best) else _wrapped(lines, lines.index(nxt), best)
    return ""


def _wrapped(lines: list[Line], index: int, segment: Segment) -> str:
    """The segment's text with what wraps onto the line right under it ("27 de febrero de" /
    "2026" in a narrow box)."""
    text = segment.text
    height = max(1.0, segment.bottom - segment.top)
    for nxt in lines[index + 1 : index + 2]:
        if nxt.page != lines[index].page or nxt.top - segment.bottom > 0.6 * height:
            break
        under = [s for s in nxt.segments if min(segment.x1, s.x1) - max(segment.x0, s.x0) > 0]
        if len(under) == 1 and not is_label(under[0]):
            text += " " + under[0].text
    return text
