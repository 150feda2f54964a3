"""What one kind's purge did: rows deleted by table, root records by id, records kept back
and why, and the stored files to remove once the deletion has committed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model, ProtectedError, QuerySet, RestrictedError


@dataclass
class Tally:
    deleted: Counter[str] = field(default_factory=Counter)
    ids: list[str] = field(default_factory=list)
    held: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)

    def hold(self, reason: str, count: int = 1) -> None:
        if count:
            self.held[reason] += count

    def delete(self, rows: QuerySet[Any]) -> bool:
        """Delete `rows` and what cascades from them, counted by table; False (nothing
        deleted) when a protected reference still points at one of them."""
        try:
            with transaction.atomic():  # a savepoint: a refusal undoes only this statement
                _total, by_model = rows.delete()
        except (ProtectedError, RestrictedError):
            return False
        self.deleted.update({label: n for label, n in by_model.items() if n})
        return True

    def delete_roots(self, model: type[Model], ids: list[Any], *, refused: str) -> list[Any]:
        """Delete the root records `ids` of `model` together, or one by one when something
        still protects one of them (that one is kept back as `refused`)."""
        if not ids:
            return []
        if self.delete(model._default_manager.filter(pk__in=ids)):
            gone = list(ids)
        else:
            gone = []
            for pk in ids:
                if self.delete(model._default_manager.filter(pk=pk)):
                    gone.append(pk)
                else:
                    self.hold(refused)
        self.ids.extend(str(pk) for pk in gone)
        return gone
