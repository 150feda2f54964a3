"""The registries through which a higher context hands a lower one what only it has, from its
`AppConfig.ready()` (docs/architecture.md). A lower context owns the registry and declares it
here with what it is for; the table in docs/architecture.md is written from these at runtime
(`registries_table`, `python scripts/write_architecture_doc.py`), and a test holds the page to
them, so a registry or a registrant cannot be added without the page saying so."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

REGISTRIES: list[KeyedRegistry[Any] | HookRegistry[Any]] = []


class KeyedRegistry[T](dict[str, T]):
    """Entries by name (a subject type, a portal section): `register` is the function that
    fills it, e.g. "workflow.services.register_subject"."""

    def __init__(self, register: str, purpose: str) -> None:
        super().__init__()
        self.register, self.purpose = register, purpose
        REGISTRIES.append(self)

    def entries(self) -> Iterable[Any]:
        return self.values()


class HookRegistry[T](list[T]):
    """Hooks run in the order they were registered (after a receipt, after provisioning)."""

    def __init__(self, register: str, purpose: str) -> None:
        super().__init__()
        self.register, self.purpose = register, purpose
        REGISTRIES.append(self)

    def entries(self) -> Iterable[Any]:
        return iter(self)


def _context_of(entry: Any) -> str:
    """The app that registered an entry: its function's module, or the first function of a
    bundle of hooks (a dataclass such as workflow's `SubjectHooks`)."""
    if dataclasses.is_dataclass(entry) and not isinstance(entry, type):
        entry = next(
            value
            for field in dataclasses.fields(entry)
            if callable(value := getattr(entry, field.name))
        )
    return str(entry.__module__).split(".")[1]


def registries_table() -> str:
    """docs/architecture.md's registry table, from the registries as the running apps filled
    them (so after `django.setup()`)."""
    rows = ["| registry (owner) | registered by | for |", "|---|---|---|"]
    for registry in sorted(REGISTRIES, key=lambda r: r.register):
        by = sorted({_context_of(entry) for entry in registry.entries()})
        rows.append(f"| `{registry.register}` | {', '.join(by)} | {registry.purpose} |")
    return "\n".join(rows) + "\n"
