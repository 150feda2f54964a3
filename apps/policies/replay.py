"""The policy tools replay real documents: the simulator routes one as if it were submitted
today, the impact preview replays the last days' against a draft. Policies sits below the
contexts whose documents it routes, so the context that owns them (procurement, for
requisitions) hands them over here from its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError
from apps.controls.registries import KeyedRegistry


@dataclass(frozen=True)
class Replay:
    # the document by its number (pages) or its id (API), with what its route reads today:
    # (document, facts, context), or None when there is no such document
    inputs_today: Callable[..., tuple[Any, dict[str, Any], Any] | None]
    # the impact preview: which recent documents would route differently under `draft`
    impact: Callable[..., dict[str, Any]]


_replays = KeyedRegistry[Replay](
    "policies.replay.register_replay",
    "the policy simulator and impact preview replay requisitions",
)


def register_replay(subject_type: str, replay: Replay) -> None:
    _replays[subject_type] = replay


def replay_of(subject_type: str = "requisition") -> Replay:
    found = _replays.get(subject_type)
    if found is None:
        raise ApplicationError(_("This record cannot be replayed here."))
    return found
