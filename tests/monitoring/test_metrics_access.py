"""Who may read `/metrics`: the bearer of METRICS_TOKEN, or, with no token configured, a client
connected from loopback — never one that only says so in X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def get(remote: str, **headers: str) -> object:
    return Client(REMOTE_ADDR=remote).get("/metrics", HTTP_HOST="a.localhost", **headers)


def test_without_a_token_a_remote_client_is_refused_and_learns_nothing() -> None:
    answer = get("203.0.113.9")
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert answer.content == b"Forbidden\n"  # type: ignore[attr-defined]


@pytest.mark.parametrize("remote", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_without_a_token_loopback_reads_the_page(remote: str) -> None:
    answer = get(remote)
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer["Content-Type"].startswith("text/plain; version=0.0.4")  # type: ignore[index]
    assert b"spendgate_http_request_duration_seconds" in answer.content  # type: ignore[attr-defined]


def test_x_forwarded_for_never_makes_a_client_loopback() -> None:
    assert get("203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403  # type: ignore[attr-defined]
    # a local reverse proxy connects from loopback on behalf of anyone: a forwarded request
    # is not taken for a loopback client
    assert get("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403  # type: ignore[attr-defined]
    assert get("127.0.0.1", HTTP_FORWARDED="for=203.0.113.9").status_code == 403  # type: ignore[attr-defined]


@override_settings(METRICS_TOKEN="scrape-secret-1")
def test_with_a_token_only_its_bearer_reads_the_page_from_anywhere() -> None:
    refused = get("127.0.0.1")  # with a token, loopback alone is not enough
    assert refused.status_code == 401 and refused.content == b"Unauthorized\n"  # type: ignore[attr-defined]
    assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'  # type: ignore[index]
    assert get("203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401  # type: ignore[attr-defined]
    assert get("203.0.113.9", HTTP_AUTHORIZATION="Token scrape-secret-1").status_code == 401  # type: ignore[attr-defined]
    answer = get("203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret-1")
    assert answer.status_code == 200 and b"spendgate_" in answer.content  # type: ignore[attr-defined]


def test_the_page_answers_on_every_host_even_one_no_tenant_has() -> None:
    for host in ("localhost", "a.localhost", "10.0.0.7:8000"):
        answer = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_HOST=host)
        assert answer.status_code == 200, host
