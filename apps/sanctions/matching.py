"""Name normalisation and fuzzy matching against the active lists (rapidfuzz)."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .models import SanctionsList, SanctionsName

# Legal-form words say nothing about who a party is; "ACME GMBH" and "Acme Ltd." are one name.
LEGAL_FORMS = {
    "ab", "ag", "as", "asa", "bv", "bhd", "co", "company", "corp", "corporation", "cv", "de",
    "gmbh", "inc", "incorporated", "jsc", "kg", "kft", "limited", "llc", "llp", "lp", "ltd",
    "nv", "oao", "ojsc", "ooo", "oy", "pjsc", "plc", "pte", "pty", "pvt", "sa", "sac", "sae",
    "sal", "sarl", "sas", "sl", "spa", "sro", "srl", "zao", "the",
}  # fmt: skip
_PUNCT = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")


def normalize(name: str) -> str:
    """Case, accents, punctuation and legal forms removed: "Bánco-Nacional de Cuba, S.A." →
    "banco nacional cuba"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    # "S.A." and "S. A." both become "sa" before punctuation turns into spaces
    text = re.sub(r"\b(\w)\.\s?(?=\w\.)", r"\1", text)
    text = _PUNCT.sub(" ", text.replace(".", ""))
    words = [w for w in _SPACE.split(text) if w and w not in LEGAL_FORMS]
    return " ".join(words)


@dataclass(frozen=True)
class Match:
    entry_uid: str
    entry_name: str
    matched_name: str
    is_alias: bool
    entry_type: str
    programs: str
    kind: str  # exact | alias | fuzzy
    score: float
    list_source: str
    list_sha256: str


@dataclass(frozen=True)
class _Row:
    entry_uid: str
    entry_name: str
    name: str
    normalized: str
    is_alias: bool
    entry_type: str
    programs: str
    source: str
    sha256: str


@dataclass
class _Index:
    key: tuple[int, ...]
    choices: list[str]
    rows: list[_Row]


_cache: dict[str, _Index] = {}
_lock = threading.Lock()


def _index() -> _Index:
    """The active lists' names, loaded once per process and reloaded after an import."""
    key = tuple(
        SanctionsList.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)
    )
    with _lock:
        cached = _cache.get("names")
        if cached is not None and cached.key == key:
            return cached
        rows = [
            _Row(*values)
            for values in SanctionsName.objects.filter(sanctions_list_id__in=key)
            .order_by("pk")
            .values_list(
                "entry_uid",
                "entry_name",
                "name",
                "normalized",
                "is_alias",
                "entry_type",
                "programs",
                "sanctions_list__source",
                "sanctions_list__sha256",
            )
        ]
        index = _Index(key=key, choices=[r.normalized for r in rows], rows=rows)
        _cache["names"] = index
        return index


def screen_name(name: str, *, threshold: float) -> list[Match]:
    """Every list entry whose name or alias matches `name` at `threshold` (0-100) or better,
    best first, one match per entry: `exact` (primary name), `alias` (an a.k.a. spelled the
    same) or `fuzzy`."""
    query = normalize(name)
    if not query:
        return []
    index = _index()
    found = process.extract(
        query, index.choices, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=25
    )
    best: dict[str, Match] = {}
    for _choice, score, position in found:
        row = index.rows[position]
        exact = row.normalized == query
        kind = "fuzzy" if not exact else ("alias" if row.is_alias else "exact")
        match = Match(
            entry_uid=row.entry_uid,
            entry_name=row.entry_name,
            matched_name=row.name,
            is_alias=row.is_alias,
            entry_type=row.entry_type,
            programs=row.programs,
            kind=kind,
            score=round(float(score), 1),
            list_source=row.source,
            list_sha256=row.sha256,
        )
        current = best.get(row.entry_uid)
        if current is None or (match.score, match.kind != "fuzzy") > (
            current.score,
            current.kind != "fuzzy",
        ):
            best[row.entry_uid] = match
    return sorted(best.values(), key=lambda m: -m.score)


def active_lists() -> list[SanctionsList]:
    return list(SanctionsList.objects.filter(active=True).order_by("source"))
