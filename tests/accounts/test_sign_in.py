"""Sign-in protection keyed on the normalised identity, throttled per address and identity,
and every 429 says when to come back."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.test import Client as BrowserClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _address() -> str:
    """A fresh client address: throttle counters live in the shared Redis between runs."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def test_case_variants_of_a_locked_identity_stay_locked(
    tenant_a: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    user = make_user(tenant_a, f"casey-{_address()}", ["requester"])
    api = api_for(tenant_a)
    address = _address()
    variants = [user.email, user.email.upper(), " " + user.email.title(), user.email.swapcase()]
    for i in range(settings.AXES_FAILURE_LIMIT):
        api.post(
            "/api/v1/auth/token/",
            {"username": variants[i % len(variants)], "password": "wrong"},
            format="json",
            REMOTE_ADDR=address,
        )
    for variant in variants:
        right = api.post(
            "/api/v1/auth/token/",
            {"username": variant, "password": PASSWORD},
            format="json",
            REMOTE_ADDR=address,
        )
        assert right.status_code == 429, variant
        assert right.json()["code"] == "account_locked"
        assert int(right["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    page = BrowserClient(HTTP_HOST="a.localhost", REMOTE_ADDR=address)
    locked = page.post("/login/", {"username": user.email.upper(), "password": PASSWORD})
    assert locked.status_code == 429 and locked.has_header("Retry-After")


def test_the_token_endpoint_is_throttled_per_address_and_per_identity(
    tenant_a: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    settings.SIGN_IN_RATES = {"address": "6/min", "identity": "3/hour"}
    settings.AXES_FAILURE_LIMIT = 100  # the throttles, not the lockout, are under test
    user = make_user(tenant_a, f"throttled-{_address()}", ["requester"])
    api = api_for(tenant_a)
    # one identity from many addresses: the identity rate holds
    codes = [
        api.post(
            "/api/v1/auth/token/",
            {"username": user.email.upper(), "password": "wrong"},
            format="json",
            REMOTE_ADDR=_address(),
        ).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    # many identities from one address: the address rate holds
    address = _address()
    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"username": f"guess{i}-{address}@tenanta.test", "password": "x"},
            format="json",
            REMOTE_ADDR=address,
        )
        for i in range(7)
    ]
    assert [a.status_code for a in answers] == [401] * 6 + [429]
    assert answers[-1].json()["code"] == "throttled"
    assert int(answers[-1]["Retry-After"]) > 0


def test_the_sign_in_page_is_throttled_with_retry_after(
    tenant_a: Any, make_user: Any, settings: Any
) -> None:
    settings.SIGN_IN_RATES = {"address": "2/min", "identity": "100/min"}
    settings.AXES_FAILURE_LIMIT = 100
    user = make_user(tenant_a, f"pager-{_address()}", ["requester"])
    page = BrowserClient(HTTP_HOST="a.localhost", REMOTE_ADDR=_address())
    first = page.post("/login/", {"username": user.email, "password": "nope"})
    second = page.post("/login/", {"username": user.email, "password": "nope"})
    assert first.status_code == second.status_code == 200
    third = page.post("/login/", {"username": user.email, "password": PASSWORD})
    assert third.status_code == 429 and int(third["Retry-After"]) > 0


LONG_S = "\u017f"  # long s: NFKC makes it s
DOTLESS_I = "\u0131"  # dotless i: case folding keeps it


def _token(api: Any, username: str, password: str, address: str) -> Any:
    return api.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def test_unicode_spellings_of_a_locked_identity_stay_locked_or_find_nobody(
    tenant_a: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    """One identity for lookup and lockout: a spelling that signs in as the account is locked
    with it (long s, full-width letters), one the lockout counts apart finds nobody (dotless
    i: PostgreSQL's case-insensitive match took it for `i`)."""
    tag = random.randint(0, 10**9)
    receiver = make_user(tenant_a, f"receiver{tag}", ["receiver"])
    supplier = make_user(tenant_a, f"supplier{tag}", ["requester"])
    api = api_for(tenant_a)
    address = _address()
    # before any failure: the long s and full-width letters are the supplier, the dotless i
    # is nobody
    assert _token(api, LONG_S + supplier.email[1:], PASSWORD, address).status_code == 200
    assert (
        _token(api, "\uff33\uff35\uff30" + supplier.email[3:], PASSWORD, address).status_code == 200
    )
    dotless = receiver.email.replace("i", DOTLESS_I, 1)
    refused = _token(api, dotless, PASSWORD, address)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_credentials"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(api, receiver.email, "wrong", address)
        _token(api, LONG_S + supplier.email[1:], "wrong", address)  # fails under the long s
    for spelling in (receiver.email, dotless):
        right = _token(api, spelling, PASSWORD, address)
        assert right.status_code in (401, 429) and "token" not in right.json(), spelling
    for spelling in (supplier.email, LONG_S + supplier.email[1:], supplier.email.upper()):
        right = _token(api, spelling, PASSWORD, address)
        assert right.status_code == 429 and right.json()["code"] == "account_locked", spelling
    page = BrowserClient(HTTP_HOST="a.localhost", REMOTE_ADDR=address)
    for spelling in (dotless, LONG_S + supplier.email[1:]):
        answer = page.post("/login/", {"username": spelling, "password": PASSWORD})
        assert answer.status_code in (200, 429) and "_auth_user_id" not in page.session


def test_user_emails_are_stored_as_the_identity(tenant_a: Any, in_tenant: Any) -> None:
    import importlib

    from django.apps import apps as django_apps

    from apps.accounts.models import User

    migration = importlib.import_module("apps.accounts.migrations.0005_normalised_identity")
    tag = random.randint(0, 10**9)
    with in_tenant(tenant_a):
        saved = User(email=f" \u017ftored{tag}@TENANTA.test")
        saved.save()
        assert saved.email == saved.username == f"stored{tag}@tenanta.test"
        assert list(User.objects.with_identity(f"STORED{tag}@tenanta.test")) == [saved]
        # rows written before: the data migration brings them to the identity
        old = User.objects.create(email=f"old{tag}@x.test")
        clash = User.objects.create(email=f"clash{tag}@x.test")
        User.objects.filter(pk=old.pk).update(
            email=f"\u00d3LD{tag}@\uff38.test", username=f"\u00d3LD{tag}@\uff38.test"
        )
        User.objects.filter(pk=clash.pk).update(email=f"Clash{tag}@x.test")
        twin = User.objects.create(email=f"twin{tag}@x.test")
        User.objects.filter(pk=twin.pk).update(email=f"CLASH{tag}@x.test")
        migration.normalise(django_apps, None)
        emails = dict(
            User.objects.filter(pk__in=[old.pk, clash.pk, twin.pk]).values_list("pk", "email")
        )
        assert emails[old.pk] == f"óld{tag}@x.test"
        assert User.objects.get(pk=old.pk).username == f"óld{tag}@x.test"
        # two rows folding to one identity: the first takes it, the other keeps its form
        assert emails[clash.pk] == f"clash{tag}@x.test"
        assert emails[twin.pk] == f"CLASH{tag}@x.test"


def test_signing_in_again_and_again_is_not_throttled_failures_are(
    tenant_a: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    """Switching roles in the demo signs in often; only failed sign-ins count per account,
    and the 429 says it was the account's limit (not the address)."""
    settings.SIGN_IN_RATES = {"address": "100/min", "identity": "3/hour"}
    settings.AXES_FAILURE_LIMIT = 100
    user = make_user(tenant_a, f"switcher-{_address()}", ["requester"])
    api = api_for(tenant_a)
    for _ in range(5):
        assert _token(api, user.email, PASSWORD, _address()).status_code == 200
        page = BrowserClient(HTTP_HOST="a.localhost", REMOTE_ADDR=_address())
        assert (
            page.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
        )
    codes = [_token(api, user.email, "wrong", _address()).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    hit = _token(api, user.email, PASSWORD, _address())
    assert hit.status_code == 429 and hit.json()["code"] == "throttled"
    assert "account" in hit.json()["detail"] and "address" not in hit.json()["detail"]
    assert int(hit["Retry-After"]) > 0
    page = BrowserClient(HTTP_HOST="a.localhost", REMOTE_ADDR=_address())
    refused = page.post("/login/", {"username": LONG_S + user.email[1:], "password": PASSWORD})
    assert refused.status_code == 429 and b"for this account" in refused.content


def test_the_address_limit_names_the_address(
    tenant_a: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    settings.SIGN_IN_RATES = {"address": "2/min", "identity": "100/min"}
    user = make_user(tenant_a, f"addressed-{_address()}", ["requester"])
    api = api_for(tenant_a)
    address = _address()
    for _ in range(2):
        assert _token(api, user.email, PASSWORD, address).status_code == 200
    hit = _token(api, user.email, PASSWORD, address)
    assert hit.status_code == 429 and "from this address" in hit.json()["detail"]
    page = BrowserClient(HTTP_HOST="a.localhost", REMOTE_ADDR=address)
    refused = page.post("/login/", {"username": user.email, "password": PASSWORD})
    assert refused.status_code == 429 and b"from this address" in refused.content
