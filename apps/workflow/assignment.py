"""Who hears of a task assigned: a step opened, or a task moved to someone (delegation, out of
office, escalation, a leaver's hand-over). Listeners (the e-mail links of links.py, the chat
posts of apps.integrations) register in their AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from .models import ApprovalTask

# told after the commit of the ids of tasks just assigned (e-mail links, Slack, Teams)
_ASSIGNMENT_LISTENERS: list[Callable[[list[str]], None]] = []


def register_assignment_listener(listener: Callable[[list[str]], None]) -> None:
    if listener not in _ASSIGNMENT_LISTENERS:
        _ASSIGNMENT_LISTENERS.append(listener)


def tasks_assigned(tasks: list[ApprovalTask]) -> None:
    """A step opened, or a task moved to someone: tell each assignee where they are, after
    the commit (a rolled-back assignment tells no one)."""
    ids = [str(task.pk) for task in tasks]
    if not ids:
        return
    for listener in _ASSIGNMENT_LISTENERS:
        # robust: a mail server or a chat being down is logged; the assignment stands
        transaction.on_commit(lambda listener=listener: listener(ids), robust=True)  # type: ignore[misc]
