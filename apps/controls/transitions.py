"""The one status-transition step. Every model with a `status` has a module-level
`TRANSITIONS = {from: {to, …}}` table (its state machine, readable as documentation) and
changes status only through `move_status`, inside the service that owns it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .refusals import InvalidTransition


def move_status(obj: Any, to: str, *, noun: str) -> None:
    """Set `obj.status` to `to` when its model's TRANSITIONS table allows it, else refuse with
    409 invalid_transition naming both states."""
    model = type(obj)
    if to not in model.TRANSITIONS[obj.status]:
        raise InvalidTransition(
            _("A %(noun)s that is %(state)s cannot become %(to)s.")
            % {
                "noun": noun,
                "state": obj.get_status_display().lower(),
                "to": str(model.Status(to).label).lower(),
            }
        )
    obj.status = to


def move_status_where(rows: QuerySet, to: str, **also: Any) -> int:
    """The set-based form: every row of `rows` whose status may become `to` (by its model's
    table) does, with the other columns in `also`, in one UPDATE; the others are left as they
    are. Returns how many moved."""
    table = rows.model.TRANSITIONS
    allowed = [state for state, targets in table.items() if to in targets]
    return rows.filter(status__in=allowed).update(status=to, **also)
