"""Which language a person reads (CONTRACT §8): their own choice (the language menu at the
foot of every page, `PATCH /api/v1/me/`), else their organisation's default (the tenant's
language, set in the partner console), else what their browser asks for (`Accept-Language`).

Pages follow it through `LanguageMiddleware`; API calls signed in with a token follow it from
the authentication step (`activate_for`). Work done for a person later or elsewhere (e-mails,
notifications, reports, packs, often in a Celery worker) is composed under `in_language_of`
or `mail_in_their_languages`, never in the worker's or the sender's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from apps.tenancy.context import current_tenant
from apps.tenancy.models import Client

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


def is_language(code: Any) -> bool:
    return isinstance(code, str) and code in LANGUAGE_CODES


def own_choice(person: Any) -> str:
    """The language this person chose, or "" (they follow their organisation)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return ""
    code = getattr(person, "language", "")
    return code if is_language(code) else ""


def organisation_language(tenant: Any = None) -> str:
    """The client's default language, or "" on the partner host (which has none)."""
    if not isinstance(tenant, Client):
        tenant = current_tenant()
    if tenant is None or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return ""
    code = tenant.default_language
    return code if is_language(code) else ""


def language_of(person: Any = None, *, tenant: Any = None, request: Any = None) -> str:
    """The language to speak to `person` in. With a request, a visitor who chose a language
    before signing in (the menu's cookie) keeps it, and the browser's wish comes last."""
    chosen = own_choice(person)
    if chosen:
        return chosen
    if request is not None:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if is_language(cookie):
            return str(cookie)
    organisation = organisation_language(tenant)
    if organisation:
        return organisation
    if request is not None:
        return translation.get_language_from_request(request)
    return str(settings.LANGUAGE_CODE)


def activate_for(request: Any, person: Any) -> str:
    """Speak to the person behind this request in their language, from here on."""
    django_request = getattr(request, "_request", request)  # DRF wraps Django's request
    language = language_of(
        person, tenant=getattr(django_request, "tenant", None), request=django_request
    )
    translation.activate(language)
    django_request.LANGUAGE_CODE = language
    return language


@contextmanager
def in_language_of(person: Any = None, *, tenant: Any = None) -> Iterator[str]:
    """Compose something for `person` (a User, or None for a supplier's or an outside
    address, which read the organisation's language) in their language."""
    language = language_of(person, tenant=tenant)
    with translation.override(language):
        yield language


def mail_in_their_languages(
    people: Iterable[Any],
    compose: Callable[[], tuple[str, str]],
    send: Callable[[str, str, list[str]], Any],
) -> int:
    """Send one message to people who may read different languages: `compose()` runs once
    per language under that language and returns (subject, body); `send(subject, body,
    addresses)` sends it to that language's readers. A plain address (a supplier's inbox)
    reads the organisation's language. Returns how many messages were sent."""
    by_language: dict[str, list[str]] = {}
    for person in people:
        address = person if isinstance(person, str) else getattr(person, "email", "")
        if not address:
            continue
        language = language_of(None if isinstance(person, str) else person)
        addresses = by_language.setdefault(language, [])
        if address not in addresses:
            addresses.append(address)
    for language, addresses in by_language.items():
        with translation.override(language):
            subject, body = compose()
            send(str(subject), str(body), addresses)
    return len(by_language)


class LanguageMiddleware:
    """After authentication: the request speaks the signed-in person's language, says so in
    Content-Language, and leaves the thread in the language it found (a German request must
    not leave German behind for the next piece of work the thread does)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        before = translation.get_language()
        activate_for(request, getattr(request, "user", None))
        try:
            response = self.get_response(request)
            # an API call signed in with a token switched to its person's language on the way
            response.headers.setdefault("Content-Language", translation.get_language())
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response
        finally:
            if before:
                translation.activate(before)
            else:
                translation.deactivate()
