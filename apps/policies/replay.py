"""The policy tools replay real documents: the simulator routes one as if it were submitted
today, the impact preview replays the last days' against a draft. Policies sits below the
contexts whose documents it routes and matches, so the context that owns them hands them over
here from its AppConfig.ready(): procurement its requisitions (simulator and impact preview),
matching its invoices (the impact preview judges the last days' price and quantity exceptions
again under the draft's tolerances)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError
from apps.controls.registries import KeyedRegistry


@dataclass(frozen=True)
class Replay:
    # the impact preview: what recent documents would meet differently under `draft` than
    # under `baseline` (keyword arguments draft, baseline, days)
    impact: Callable[..., dict[str, Any]]
    # the simulator, where there is one: the document by its number (pages) or its id (API),
    # with what its route reads today: (document, facts, context), or None when there is no
    # such document
    inputs_today: Callable[..., tuple[Any, dict[str, Any], Any] | None] | None = None


_replays = KeyedRegistry[Replay](
    "policies.replay.register_replay",
    "the policy simulator and impact preview replay requisitions and invoices",
)


def register_replay(subject_type: str, replay: Replay) -> None:
    _replays[subject_type] = replay


def replay_of(subject_type: str = "requisition") -> Replay:
    found = _replays.get(subject_type)
    if found is None:
        raise ApplicationError(_("This record cannot be replayed here."))
    return found


def inputs_today(
    subject_type: str = "requisition", **lookup: Any
) -> tuple[Any, dict[str, Any], Any] | None:
    """The simulator's inputs of one document (Replay.inputs_today), or None."""
    simulate = replay_of(subject_type).inputs_today
    if simulate is None:
        raise ApplicationError(_("This record cannot be replayed here."))
    return simulate(**lookup)


def impact_preview(*, draft: Any, baseline: Any) -> dict[str, Any]:
    """The impact preview of `draft` against `baseline`: the requisitions' replay, with the
    invoices' (the price and quantity exceptions its tolerances would not have raised, and
    would have) under `invoices`."""
    answer = dict(replay_of("requisition").impact(draft=draft, baseline=baseline))
    answer["invoices"] = replay_of("invoice").impact(draft=draft, baseline=baseline)
    return answer
