"""What people call an audit event's subject, for the contexts the trail's readers may not
import (integrations, inbox, assistants sit beside or above them): each hands a namer from its
`AppConfig.ready()`. A namer takes the subject ids on a page of events and answers, in one query,
id → (the name people use, its page or "")."""

from __future__ import annotations

from collections.abc import Callable

from apps.controls.registries import KeyedRegistry

SubjectNamer = Callable[[set[str]], dict[str, tuple[str, str]]]

_namers = KeyedRegistry[SubjectNamer](
    "audit.subjects.register_subject_names",
    "what the audit trail calls a subject by its id (a webhook's host, an ERP connection's name)",
)


def register_subject_names(subject_type: str, namer: SubjectNamer) -> None:
    _namers[subject_type] = namer


def subject_namer(subject_type: str) -> SubjectNamer | None:
    return _namers.get(subject_type)
