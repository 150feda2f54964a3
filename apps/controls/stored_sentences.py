"""Sentences stored when a record was made, read again in the reader's language.

A matching finding, a route step's reason or a check's summary is written once, by a worker or
during someone's request, in that moment's language, with names and amounts filled in ("The
price 12.00 differs from the order's 10.00 by 20.0 %."). The catalogs know every such sentence
as a pattern: `reread` finds the pattern a stored sentence was made from (in any shipped
language), takes the values back out, and writes the same sentence in the reader's language.
Values that are themselves words of the catalog (a role, a status) are translated too. A
sentence no pattern explains (a person's own words, two sentences joined) is shown as it was
stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import trans_real

PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdif]|%%")
# 12.00, 1,234.5, and a whole amount grouped in thousands (1,234 yen); not 2026 nor 12
ENGLISH_DECIMAL = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)")
MIN_LETTERS = 4  # a pattern needs words of its own, or it would explain any sentence


@dataclass(frozen=True)
class Pattern:
    msgid: str
    context: str
    regex: re.Pattern[str]
    keys: tuple[str, ...]  # the placeholder of each group: a name, or its position
    kinds: tuple[str, ...]  # each placeholder's conversion: s, d, i or f
    named: bool
    literal: int  # how much of the pattern is its own text (the best explanation has most)
    english: bool  # made from the English original (its numbers are written 1,234.56)


Made = tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...], bool, int]


def _regex(text: str) -> Made | None:
    keys: list[str] = []
    kinds: list[str] = []
    parts: list[str] = []
    at = literal = 0
    for found in PLACEHOLDER.finditer(text):
        chunk = text[at : found.start()]
        parts.append(re.escape(chunk))
        literal += sum(c.isalpha() for c in chunk)
        at = found.end()
        if found.group(0) == "%%":
            parts.append("%")
            continue
        keys.append(found.group("name") or str(len(keys)))
        kinds.append(found.group(0)[-1])
        parts.append(f"(?P<g{len(keys) - 1}>.+?)")
    tail = text[at:]
    parts.append(re.escape(tail))
    literal += sum(c.isalpha() for c in tail)
    if not keys or literal < MIN_LETTERS:
        return None
    named = any(not key.isdigit() for key in keys)
    regex = re.compile("^" + "".join(parts) + "$", re.DOTALL)
    return regex, tuple(keys), tuple(kinds), named, literal


def _catalog(language: str) -> dict[object, str]:
    return dict(trans_real.translation(language)._catalog.items())  # type: ignore[attr-defined]


@cache
def _index() -> tuple[dict[str, list[Pattern]], dict[str, str]]:
    """Patterns by their first word, over the English originals and every translation; and
    each plain word's original, from any language (to translate values)."""
    by_word: dict[str, list[Pattern]] = {}
    plain: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for language, _name in settings.LANGUAGES:
        for key, text in _catalog(language).items():
            if not isinstance(key, str) or not text:
                continue  # plural forms are not stored sentences
            context, _sep, msgid = key.rpartition("\x04")
            for written in {msgid, text}:
                if (written, msgid) in seen:
                    continue
                seen.add((written, msgid))
                if "%" not in msgid:
                    plain.setdefault(written, key)
                    continue
                made = _regex(written)
                if made is None:
                    continue
                pattern = Pattern(msgid, context, *made, english=written == msgid)
                by_word.setdefault(_first_word(written), []).append(pattern)
    return by_word, plain


def _first_word(text: str) -> str:
    head = PLACEHOLDER.split(text, maxsplit=1)[0]
    return head.split(" ", 1)[0] if " " in head else ""


def _word(value: str) -> str:
    """A value that is a word of the catalog, in the reader's language."""
    key = _index()[1].get(value)
    if key is None:
        return value
    context, _sep, msgid = key.rpartition("\x04")
    return translation.pgettext(context, msgid) if context else translation.gettext(msgid)


def _value(text: str, kind: str, english: bool) -> object:
    """A value taken out of a sentence, as its placeholder takes it; an amount written the
    English way (12.00, 1,234.56) is written again the reader's way (12,00 in German)."""
    if kind in "di":
        return int(text)
    if kind == "f":
        return float(text)
    if english and ENGLISH_DECIMAL.fullmatch(text):
        digits = Decimal(text.replace(",", ""))
        places = len(text.rpartition(".")[2]) if "." in text else 0
        return number_format(digits, places, use_l10n=True, force_grouping="," in text)
    if " " in text and text not in _index()[1]:  # a sentence inside the sentence
        return _reread(text, translation.get_language() or settings.LANGUAGE_CODE)
    return _word(text)


def _explained(text: str) -> tuple[Pattern, tuple[str, ...]] | None:
    by_word = _index()[0]
    candidates = by_word.get(_first_word_of_sentence(text), []) + by_word.get("", [])
    best: tuple[Pattern, tuple[str, ...]] | None = None
    for pattern in candidates:
        found = pattern.regex.match(text)
        if found and (best is None or pattern.literal > best[0].literal):
            best = (pattern, tuple(found.group(f"g{i}") for i in range(len(pattern.keys))))
    return best


def _first_word_of_sentence(text: str) -> str:
    return text.split(" ", 1)[0] if " " in text else ""


@lru_cache(maxsize=4096)
def _reread(text: str, language: str) -> str:
    plain = _index()[1].get(text)
    if plain is not None:
        return _word(text)
    explained = _explained(text)
    if explained is None:
        return text
    pattern, values = explained
    template = (
        translation.pgettext(pattern.context, pattern.msgid)
        if pattern.context
        else translation.gettext(pattern.msgid)
    )
    try:
        words = [
            _value(value, kind, pattern.english)
            for value, kind in zip(values, pattern.kinds, strict=True)
        ]
        if pattern.named:
            return template % dict(zip(pattern.keys, words, strict=True))
        return template % tuple(words)
    except (TypeError, ValueError, KeyError):  # a %d given back as text: keep what was stored
        return text


def reread(text: str) -> str:
    """The stored sentence in the current language (the reader's), or as stored."""
    if not text:
        return text
    return _reread(text, translation.get_language() or settings.LANGUAGE_CODE)
