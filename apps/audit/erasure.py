"""Shredding one data subject out of the trail (apps.audit.personal's version 2 rows).

The erasure service of apps.privacy calls this inside its transaction and records the
erasure itself. Each row that seals a value of the subject has that value rewritten to the
subject's pseudonym, through the one UPDATE the append-only trigger lets pass (migration
0009: the session setting `spendgate.audit_erasure` on, and nothing but the personal columns
changed); then the subject's key is destroyed, so the old values' HMACs can never be
recomputed, nor guessed from a list of names. Rows written before sealing (version 1) keep
their values: they are covered in plain text by the chain, and rewriting them would break it."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.utils import timezone

from .models import AuditEvent, SubjectKey
from .personal import PERSON_FIELDS, Path, forget_people

_PERSONAL_COLUMNS = ("actor", "on_behalf_of", "before", "after", "data")


def subject_shred(*, ref: str, identities: list[str]) -> tuple[int, int]:
    """Rewrite the subject's sealed values to its pseudonym (`erased-person-<n>`) and destroy
    its key. Returns (n, events rewritten). Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("subject_shred must run inside the erasure's transaction")
    now = timezone.now()
    key = SubjectKey.objects.select_for_update().filter(ref=ref).first()
    if key is None:  # never named in the trail: a tombstone, so no key is made for them again
        key = SubjectKey.objects.create(ref=ref, key=None, erased_at=now)
    pseudonym = key.pseudonym
    named = _namer([i for i in identities if i and len(i.strip()) >= 3])
    rows = AuditEvent.objects.filter(personal__contains=[{"s": [ref]}]).values(
        "id", *_PERSONAL_COLUMNS, "personal"
    )
    rewritten = 0
    with connection.cursor() as cursor:
        # SET LOCAL, not set_config(): Citus forwards a SET LOCAL to the node that holds the
        # tenant's tables, where the trigger reads it (docs/scale.md, "Citus")
        cursor.execute("SET LOCAL spendgate.audit_erasure = 'on'")
        try:
            for row in rows:
                changed = _rewritten(row, ref, named, pseudonym)
                if changed:
                    AuditEvent.objects.filter(pk=row["id"]).update(**changed)
                    rewritten += 1
        finally:
            cursor.execute("SET LOCAL spendgate.audit_erasure = 'off'")
    key.key, key.erased_at = None, key.erased_at or now
    key.save(update_fields=["key", "erased_at"])
    forget_people()
    return key.pk, rewritten


def _namer(identities: list[str]) -> re.Pattern[str] | None:
    if not identities:
        return None
    ordered = sorted({i.strip() for i in identities}, key=len, reverse=True)
    return re.compile("|".join(re.escape(i) for i in ordered), re.IGNORECASE)


def _rewritten(
    row: dict[str, Any], ref: str, named: re.Pattern[str] | None, pseudonym: str
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for seal in row["personal"]:
        if ref not in seal.get("s", ()):
            continue
        path: Path = seal["p"]
        column = str(path[0])
        holder = changed.setdefault(column, row[column])
        value = _get(holder, path[1:])
        if type(value) is not str:
            continue
        new = named.sub(pseudonym, value) if named is not None else value
        whole = len(path) == 1 or (isinstance(path[-1], str) and path[-1] in PERSON_FIELDS)
        if new == value and whole:
            new = pseudonym
        changed[column] = _set(holder, path[1:], new)
    return {column: value for column, value in changed.items() if value != row[column]}


def _get(value: Any, path: Path) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _set(value: Any, path: Path, new: Any) -> Any:
    """`value` with `new` at `path`, copied along it."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if type(value) is dict:
        return {**value, step: _set(value.get(step), rest, new)}  # type: ignore[index]
    if type(value) is list and type(step) is int:
        copy = list(value)
        copy[step] = _set(copy[step], rest, new)
        return copy
    return value
