"""Cross-cutting API contract: error bodies, idempotency keys, pagination, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_errors_have_code_and_detail(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    anonymous = api_for(tenant_a)
    response = anonymous.get("/api/v1/cost-centers/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    missing = api.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert set(missing.json()) == {"code", "detail"} and missing.json()["code"] == "not_found"
    gone = api.get("/api/v1/cost-centers/999999/")
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"
    wrong_method = api.get("/api/v1/auth/token/")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    bad = api.post("/api/v1/users/", {"email": "x@y.test", "roles": ["boss"]}, format="json")
    assert bad.status_code == 403  # a requester may not invite, whatever the body


def test_validation_errors_name_the_fields(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"]))
    response = api.post(
        "/api/v1/users/", {"email": "not-an-email", "roles": ["boss"]}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert {"email", "roles"} <= body["errors"].keys()


def test_bad_credentials_and_malformed_json(tenant_a: Any, api_for: Any) -> None:
    api = api_for(tenant_a)
    wrong = api.post(
        "/api/v1/auth/token/", {"username": "nobody@x.test", "password": "x"}, format="json"
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    broken = api.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"


def test_idempotency_key_replays_the_first_response_without_a_second_effect(
    tenant_a: Any,
    make_user: Any,
    api_for: Any,
    in_tenant: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"]))
    body = {"email": "once@tenanta.test", "roles": ["buyer"]}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
        again = api.post("/api/v1/users/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len([m for m in mailoutbox if "once@tenanta.test" in m.to]) == 1
    from apps.accounts.models import User

    with in_tenant(tenant_a):
        assert User.objects.filter(email="once@tenanta.test").count() == 1


def test_idempotency_key_reused_with_another_body_is_refused(
    tenant_a: Any, make_user: Any, api_for: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"]))
    api.post(
        "/api/v1/users/",
        {"email": "one@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="same-key",
    )
    other = api.post(
        "/api/v1/users/",
        {"email": "two@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="same-key",
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_idempotency_keys_are_per_caller(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    first_admin = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"]))
    second_admin = api_for(tenant_a, make_user(tenant_a, "admin2", ["tenant_admin"]))
    a = first_admin.post(
        "/api/v1/users/",
        {"email": "p@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    b = second_admin.post(
        "/api/v1/users/",
        {"email": "q@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["email"] != b.json()["email"]


def test_pagination_shape_and_page_size_cap(
    tenant_a: Any, make_user: Any, api_for: Any, in_tenant: Any
) -> None:
    from apps.organization.models import SpendCategory

    with in_tenant(tenant_a):
        SpendCategory.objects.bulk_create(
            SpendCategory(code=f"C{i}", name=f"c{i}") for i in range(205)
        )
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    over = api.get("/api/v1/spend-categories/?page_size=500")
    assert over.status_code == 400 and over.json()["code"] == "invalid_parameter"
    body = api.get("/api/v1/spend-categories/?page_size=200").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 205 and len(body["results"]) == 200 and body["next"]
    assert body["results"][0]["code"] == "C204"  # newest first


def test_openapi_schema_and_docs(tenant_a: Any, api_for: Any) -> None:
    api = api_for(tenant_a)
    schema = api.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/audit-events/verify/" in paths and "/api/v1/cost-centers/" in paths
    assert api.get("/api/docs/").status_code == 200


def test_an_unexpected_failure_is_a_json_500(
    tenant_a: Any, make_user: Any, api_for: Any, monkeypatch: Any
) -> None:
    from apps.organization import selectors

    def broken() -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "cost_centers", broken)
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    response = api.get("/api/v1/cost-centers/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "fire" not in response.json()["detail"]


def test_errors_outside_drf_views_are_json_too(tenant_a: Any, api_for: Any) -> None:
    api = api_for(tenant_a)
    response = api.post("/api/v1/", {})  # no such route: Django's own 404 page
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
