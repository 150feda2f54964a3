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
