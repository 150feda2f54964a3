"""Generated stand-ins for a client's people: one per role in use, with made-up names and
addresses under the reserved `.test` domain, and a scrub that puts them in place of every
address (and full name) of the client's people wherever the copied configuration names one."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from apps.accounts.roles import (
    AP_CLERK,
    AP_MANAGER,
    APPROVER,
    AUDITOR,
    BUYER,
    COMPLIANCE,
    MANAGER,
    RECEIVER,
    REQUESTER,
    ROLE_LABELS,
    SUPPLIER,
    TENANT_ADMIN,
)

# the order in which a person's roles decide which stand-in takes their place: deciding roles
# first, so a person a policy names as approver is replaced by a stand-in who may approve
ROLE_ORDER = [
    APPROVER,
    MANAGER,
    AP_MANAGER,
    COMPLIANCE,
    BUYER,
    AP_CLERK,
    RECEIVER,
    AUDITOR,
    TENANT_ADMIN,
    REQUESTER,
]
assert set(ROLE_ORDER) == set(ROLE_LABELS) - {SUPPLIER}, "every role but supplier, once"
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Person:
    """One of the client's people, as far as the copy needs them (never written anywhere)."""

    pk: Any
    email: str
    full_name: str
    roles: tuple[str, ...]
    manager_pk: Any


@dataclass(frozen=True)
class StandIn:
    role: str
    email: str
    first_name: str
    last_name: str
    manager_role: str | None


def primary_role(roles: Iterable[str]) -> str | None:
    held = set(roles)
    return next((role for role in ROLE_ORDER if role in held), None)


def standin_email(role: str, sandbox_slug: str) -> str:
    return f"{role.replace('_', '-')}@{sandbox_slug}.sandbox.test"


def standins_for(people: list[Person], sandbox_slug: str) -> list[StandIn]:
    """One stand-in per role a person holds in the source (supplier users excepted: their
    suppliers are not copied), each reporting to the stand-in of the role that most of that
    role's people report to."""
    by_pk = {person.pk: person for person in people}
    managers: dict[str, Counter[str]] = {}
    for person in people:
        role = primary_role(person.roles)
        manager = by_pk.get(person.manager_pk)
        manager_role = primary_role(manager.roles) if manager is not None else None
        if role is not None and manager_role is not None and manager_role != role:
            managers.setdefault(role, Counter())[manager_role] += 1
    in_use = {role for person in people for role in person.roles if role in ROLE_ORDER}
    return [
        StandIn(
            role=role,
            email=standin_email(role, sandbox_slug),
            first_name=str(ROLE_LABELS[role]),
            last_name="Stand-in",
            manager_role=(managers[role].most_common(1)[0][0] if managers.get(role) else None),
        )
        for role in ROLE_LABELS
        if role in in_use
    ]


class Scrub:
    """Puts the stand-ins in place of the client's people in copied text: a person's address
    becomes their stand-in's, any other address a made-up one, a full name the stand-in's."""

    def __init__(self, people: list[Person], sandbox_slug: str) -> None:
        self.slug = sandbox_slug
        self.addresses: dict[str, str] = {}
        self.names: dict[str, str] = {}
        for person in people:
            role = primary_role(person.roles) or "tenant_admin"
            self.addresses[person.email.lower()] = standin_email(role, sandbox_slug)
            # a full name of two words or more: one word alone ("Supplier", "Finance") is as
            # likely a word of the policy (`supplier.risk`, a section's key) as a name
            if len(person.full_name.split()) >= 2:
                label = f"{ROLE_LABELS.get(role, role)} Stand-in"
                self.names[" ".join(person.full_name.split()).lower()] = str(label)
        self._others: dict[str, str] = {}

    def address(self, found: str) -> str:
        known = self.addresses.get(found.lower())
        if known is not None:
            return known
        if found.lower() not in self._others:
            self._others[found.lower()] = f"person{len(self._others) + 1}@{self.slug}.sandbox.test"
        return self._others[found.lower()]

    def text(self, value: str) -> str:
        value = EMAIL_IN_TEXT.sub(lambda match: self.address(match.group(0)), value)
        for name in sorted(self.names, key=len, reverse=True):
            value = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", self.names[name], value, flags=re.I)
        return value

    def __call__(self, value: Any) -> Any:
        """`value` (a JSON document) with every string scrubbed; keys lose only addresses (a
        key is a setting's or a code's name, never a person's)."""
        if isinstance(value, dict):
            return {
                EMAIL_IN_TEXT.sub(lambda m: self.address(m.group(0)), key)
                if isinstance(key, str)
                else key: self(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value
