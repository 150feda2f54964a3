"""Personal values in the audit chain, covered through each person's key (chain version 2).

An event's personal values are sealed when it is written: the person who acted (`actor`), the
one they acted for (`on_behalf_of`), a user event's own name and e-mail fields, and every
string of `before`/`after`/`data` that names a known person (their e-mail or full name). The
row keeps the value for reading; `personal` lists each sealed value's place, its people and
HMAC-SHA256(their key, value); the chain hashes the row with those values blanked and the
list included. Verifying recomputes each seal while its people's keys exist, so an edited
value is caught; erasure destroys the key and rewrites the values to a pseudonym, and the
chain still holds because it never covered the value itself. A row without `personal`
(written before sealing, or naming nobody) hashes exactly as before (version 1).

Who may be named comes from the contexts that own people (apps.privacy registers users and,
through its own registry, suppliers' contacts): the index and the keys are read once per
transaction, so a batch of thousands of events pays a dictionary lookup per string.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from apps.controls.registries import HookRegistry

# who may be named: each person's reference (`user:12`) and the strings that identify them
PeopleIndex = Callable[[], Iterable[tuple[str, Iterable[str]]]]
_INDEXES = HookRegistry[PeopleIndex](
    "audit.personal.register_people",
    "the people an audit event may name (reference, e-mails, full names), so the chain covers "
    "their values through each person's key and erasure can shred them",
)


def may_name_someone(*texts: str | None) -> bool:
    """Could any of these JSON texts name a person? One C-level search each."""
    return any(text is not None and _MAY_NAME.search(text) for text in texts)


def register_people(index: PeopleIndex) -> None:
    if index not in _INDEXES:
        _INDEXES.append(index)


# a user event's own fields that are the user's personal data whatever they hold
PERSON_FIELDS = frozenset({"email", "first_name", "last_name", "name", "username", "phone"})
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"\w+")
# what may name a person: an e-mail, or two words apart (a JSON text's own separators, `", "`
# and `": "`, have no word before their space)
_MAY_NAME = re.compile(r"@|\w \w")

Path = list[str | int]
Seal = dict[str, Any]  # {"p": path, "s": [refs], "d": hex digest}


@dataclass
class People:
    """The tenant's people as one transaction sees them."""

    emails: dict[str, str] = field(default_factory=dict)  # e-mail (lower) → ref
    names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # 1st word → (name, ref)
    keys: dict[str, bytes | None] = field(default_factory=dict)  # ref → key (None: erased)

    def mentioned(self, text: str) -> set[str]:
        """The live people a string names, by e-mail or full name (case does not matter)."""
        found: set[str] = set()
        if "@" not in text and " " not in text:
            return found
        low = text.lower()
        if "@" in low:
            for email in _EMAIL.findall(low):
                ref = self.emails.get(email)
                if ref is not None:
                    found.add(ref)
        if " " in low and self.names:
            for word in set(_WORD.findall(low)):
                for name, ref in self.names.get(word, ()):
                    if name in low:
                        found.add(ref)
        return {ref for ref in found if self.keys.get(ref)}

    def digest(self, refs: list[str], value: str) -> str | None:
        keys = [self.keys.get(ref) for ref in refs]
        if not all(keys):
            return None
        return seal_digest(keys, value)  # type: ignore[arg-type]


def seal_digest(keys: list[bytes], value: str) -> str:
    key = keys[0] if len(keys) == 1 else hashlib.sha256(b"".join(keys)).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def new_key() -> bytes:
    return os.urandom(32)


_ATTR = "_spendgate_audit_people"


def people() -> People:
    """The people index and keys, read once per transaction and schema (the caller's
    transaction: keys it creates commit or roll back with the events that use them)."""
    marker = (connection.atomic_blocks[0] if connection.atomic_blocks else None, _schema())
    cached = getattr(connection, _ATTR, None)
    if cached is not None and cached[0][0] is marker[0] and cached[0][1] == marker[1]:
        return cached[1]
    found = _load()
    setattr(connection, _ATTR, (marker, found))
    return found


def forget_people() -> None:
    """A person or a key changed in this transaction: read them again at the next event."""
    if getattr(connection, _ATTR, None) is not None:
        setattr(connection, _ATTR, None)


def _schema() -> str:
    return str(getattr(getattr(connection, "tenant", None), "schema_name", ""))


def _load() -> People:
    from .models import SubjectKey

    found = People()
    refs: set[str] = set()
    for index in _INDEXES:
        for ref, identities in index():
            refs.add(ref)
            for identity in identities:
                text = (identity or "").strip().lower()
                if "@" in text:
                    found.emails[text] = ref
                elif " " in text and len(text) >= 5:
                    words = _WORD.findall(text)
                    if words:
                        found.names.setdefault(words[0], []).append((text, ref))
    stored: dict[str, Any] = dict(SubjectKey.objects.values_list("ref", "key"))
    missing = refs - stored.keys()
    if missing:
        made = [SubjectKey(ref=ref, key=new_key()) for ref in sorted(missing)]
        SubjectKey.objects.bulk_create(made, ignore_conflicts=True)
        stored.update(SubjectKey.objects.filter(ref__in=missing).values_list("ref", "key"))
    found.keys = {ref: (bytes(key) if key is not None else None) for ref, key in stored.items()}
    return found


def seals_of(
    found: People,
    *,
    actor_id: str,
    actor: str,
    on_behalf_of: str,
    behalf_id: str,
    subject_type: str,
    subject_id: str,
    before: Any,
    after: Any,
    data: Any,
    texts: tuple[str | None, str | None, str | None] | None = None,
) -> list[Seal] | None:
    """The seals of one event's personal values, or None when it names nobody. `texts`, the
    JSON texts of before/after/data when the caller has them, skip a value that cannot name
    anyone in one search (a batch's events mostly)."""
    out: list[Seal] = []
    for path, person_id, value in (
        ("actor", actor_id, actor),
        ("on_behalf_of", behalf_id, on_behalf_of),
    ):
        ref = f"user:{person_id}"
        # the label must be that user's e-mail: a partner's person acting in the tenant has
        # an id of the public schema, which is nobody here
        if person_id and value and found.emails.get(value.lower()) == ref:
            digest = found.digest([ref], value)
            if digest is not None:
                out.append({"p": [path], "s": [ref], "d": digest})
    own = (
        f"user:{subject_id}"
        if subject_type == "user" and found.keys.get(f"user:{subject_id}")
        else ""
    )
    for i, (top, value) in enumerate((("before", before), ("after", after), ("data", data))):
        if not value:
            continue
        text = texts[i] if texts is not None else None
        if own or text is None or _MAY_NAME.search(text):
            _walk(found, value, [top], own, "", out)
    return out or None


def _walk(found: People, value: Any, path: Path, own: str, key: str, out: list[Seal]) -> None:
    if type(value) is str:
        refs = found.mentioned(value)
        if own and key in PERSON_FIELDS:
            refs.add(own)
        if refs:
            ordered = sorted(refs)
            digest = found.digest(ordered, value)
            if digest is not None:
                out.append({"p": path, "s": ordered, "d": digest})
    elif type(value) is dict:
        for k, v in value.items():
            _walk(found, v, [*path, k], own, k, out)
    elif type(value) is list:
        for i, v in enumerate(value):
            _walk(found, v, [*path, i], own, key, out)


def value_at(fields: dict[str, Any], path: Path) -> Any:
    value: Any = fields
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def blanked(fields: dict[str, Any], seals: list[Seal]) -> dict[str, Any]:
    """`fields` with each sealed value replaced by None (copied along the paths only)."""
    out = dict(fields)
    for seal in seals:
        path = seal["p"]
        parent: Any = out
        for step in path[:-1]:
            child = parent[step] if _has(parent, step) else None
            if child is None:
                break
            child = dict(child) if type(child) is dict else list(child)
            parent[step] = child
            parent = child
        else:
            if _has(parent, path[-1]):
                parent[path[-1]] = None
    return out


def _has(container: Any, step: Any) -> bool:
    if type(container) is dict:
        return step in container
    if type(container) is list and type(step) is int:
        return 0 <= step < len(container)
    return False


def seal_broken(seal: Seal, fields: dict[str, Any], keys: dict[str, bytes | None]) -> bool:
    """Does a seal no longer match its value? A seal of an erased person (no key) cannot be
    recomputed and is taken as written; a seal naming nobody known is broken."""
    refs = seal.get("s") or []
    if not refs or any(ref not in keys for ref in refs):
        return True
    live = [keys[ref] for ref in refs]
    if not all(live):
        return False
    value = value_at(fields, seal["p"])
    return type(value) is not str or not hmac.compare_digest(
        seal_digest(live, value),  # type: ignore[arg-type]
        str(seal.get("d")),
    )
