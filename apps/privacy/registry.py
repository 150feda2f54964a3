"""What each context hands privacy from its `AppConfig.ready()`: the kinds of people it holds
(suppliers: their contacts), the free text that may name a person, and the checks that may
refuse an erasure (retention: a legal hold)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from apps.controls.registries import HookRegistry, KeyedRegistry


@dataclass(frozen=True)
class Pseudonym:
    """What an erased person is called from now on (`n` is their subject key's number)."""

    n: int

    @property
    def name(self) -> str:
        return f"erased-person-{self.n}"

    @property
    def email(self) -> str:
        return f"erased-{self.n}@erased.invalid"


@dataclass(frozen=True)
class PersonKind:
    """A kind of data subject: `everyone` lists (id, identities: e-mails and full names) for
    the audit trail's index, `identities` one person's (None: no such person), `active` says
    whether they still work here (an active user must be deactivated first), `pseudonymise`
    rewrites their own record."""

    everyone: Callable[[], Iterable[tuple[Any, list[str]]]]
    identities: Callable[[Any], list[str] | None]
    active: Callable[[Any], bool]
    pseudonymise: Callable[[Any, Pseudonym], None]


_KINDS = KeyedRegistry[PersonKind](
    "privacy.registry.register_person_kind",
    "the kinds of data subject an erasure request may name (users, suppliers' contacts)",
)


def register_person_kind(kind: str, person_kind: PersonKind) -> None:
    _KINDS[kind] = person_kind


def person_kind(kind: str) -> PersonKind | None:
    return _KINDS.get(kind)


def person_kinds() -> dict[str, PersonKind]:
    return dict(_KINDS)


@dataclass(frozen=True)
class PersonalText:
    """Free-text fields of a model that may name a person (a justification, a comment)."""

    model: Any
    fields: tuple[str, ...]


_TEXTS = KeyedRegistry[PersonalText](
    "privacy.registry.register_personal_text",
    "the free-text fields that may name a person, where an erasure writes the pseudonym",
)


def register_personal_text(model: Any, *fields: str) -> None:
    _TEXTS[model._meta.label] = PersonalText(model, fields)


def personal_texts() -> list[PersonalText]:
    return list(_TEXTS.values())


# (kind, id) → None to let the erasure go ahead, or the sentence that refuses it (409
# `legal_hold`): retention registers "this person is under a legal hold"
ErasureCheck = Callable[[str, Any], str | None]
_CHECKS = HookRegistry[ErasureCheck](
    "privacy.registry.register_erasure_check",
    "may this person be erased: a check that names why not (a legal hold) refuses the erasure",
)


def register_erasure_check(check: ErasureCheck) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def erasure_refusal(kind: str, subject_id: Any) -> str | None:
    for check in _CHECKS:
        reason = check(kind, subject_id)
        if reason:
            return reason
    return None
