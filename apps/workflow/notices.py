"""In-app notices (the bell on the home page), each in its reader's language.

A notice is read later by one person, so its sentence is composed for that person (their own
choice, else their organisation's language: `apps.accounts.language`), never in the language
of whoever caused it or of the worker that writes it. Callers pass `compose`, a function that
returns the sentence, and it runs once per language among the readers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils import translation

from apps.accounts.language import language_of
from apps.accounts.models import User

from .models import Notification

LENGTH = Notification._meta.get_field("message").max_length or 300


def fitted(sentence: Any) -> str:
    """A sentence cut to the notice's length, saying so with an ellipsis."""
    text = str(sentence)
    return text if len(text) <= LENGTH else text[: LENGTH - 1] + "…"


def notices_for(
    people: Iterable[User], compose: Callable[[], Any], *, kind: str, **subject: str
) -> list[Notification]:
    """One unsaved notice per person (`subject_type`, `subject_id` as keywords), for a caller
    that writes several kinds in one `bulk_create`."""
    sentences: dict[str, str] = {}
    notices = []
    for person in people:
        language = language_of(person)
        if language not in sentences:
            with translation.override(language):
                sentences[language] = fitted(compose())
        notices.append(Notification(user=person, kind=kind, message=sentences[language], **subject))
    return notices


def tell(
    people: Iterable[User], compose: Callable[[], Any], *, kind: str, **subject: str
) -> list[Notification]:
    """Write one notice per person, each in that person's language."""
    return Notification.objects.bulk_create(notices_for(people, compose, kind=kind, **subject))
