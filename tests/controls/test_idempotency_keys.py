"""Idempotency-Key: keys belong to their caller, are 1 to 255 characters, and one in progress
answers 409."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as PageClient

from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def test_keys_belong_to_their_caller(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    """The same key from another caller (token or session) is another request."""
    first = api_for(tenant_a, make_user(tenant_a, "admin1", ["tenant_admin"]))
    second = api_for(tenant_a, make_user(tenant_a, "admin2", ["tenant_admin"]))
    body = {"email": "key-owner@tenanta.test", "roles": ["buyer"]}
    made = first.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert made.status_code == 201
    other = second.post(
        "/api/v1/users/",
        {"email": "other-owner@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    replay = first.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == made.json()
    # and the second caller's own replay is its own first answer, not the first caller's
    again = second.post(
        "/api/v1/users/",
        {"email": "other-owner@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert again["Idempotent-Replayed"] == "true" and again.json() == other.json()


def test_a_key_must_be_1_to_255_characters(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "keylength", ["tenant_admin"]))
    body = {"email": "key-length@tenanta.test", "roles": ["buyer"]}
    refusal = {
        "code": "validation_error",
        "detail": "Idempotency-Key must be 1 to 255 characters.",
        "errors": {"Idempotency-Key": ["Use 1 to 255 characters."]},
    }
    for key in ("", "k" * 256):
        refused = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert refused.status_code == 400 and refused.json() == refusal, key
    longest = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
    assert longest.status_code == 201


def test_keys_of_two_session_users_are_apart(tenant_a: Any, make_user: Any, in_tenant: Any) -> None:
    pages = []
    for local in ("session1", "session2"):
        user = make_user(tenant_a, local, ["tenant_admin"])
        page = PageClient(HTTP_HOST=host_of(tenant_a), enforce_csrf_checks=False)
        with in_tenant(tenant_a):
            page.force_login(user)
        pages.append(page)
    answers = [
        page.post(
            "/api/v1/users/",
            {"email": f"via-session-{i}@tenanta.test", "roles": ["buyer"]},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="page-key",
        )
        for i, page in enumerate(pages)
    ]
    assert [a.status_code for a in answers] == [201, 201]


def test_a_key_still_in_progress_answers_409(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    from apps.integrations.models import IdempotencyRecord

    user = make_user(tenant_a, "inprogress", ["tenant_admin"])
    api = api_for(tenant_a, user)
    body = {"email": "slow@tenanta.test", "roles": ["buyer"]}
    done = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="slow-key")
    assert done.status_code == 201
    IdempotencyRecord.objects.filter(key="slow-key").update(status_code=None, body=b"")
    busy = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="slow-key")
    assert busy.status_code == 409
    assert busy.json() == {
        "code": "idempotency_key_in_progress",
        "detail": "A request with this Idempotency-Key is still being processed.",
    }
    reused = api.post(
        "/api/v1/users/",
        {"email": "else@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="slow-key",
    )
    assert reused.status_code == 422 and reused.json() == {
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was already used with a different request.",
    }
