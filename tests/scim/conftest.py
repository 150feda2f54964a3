"""An identity provider's side of SCIM: a service account of tenant a holding the `scim` scope
and a client that sends its key as providers do (`Authorization: Bearer spk_…`)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.conftest import host_of

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class Provider:
    """Sends SCIM requests with a key, bodies as application/scim+json."""

    def __init__(self, tenant: Any, key: str | None, scheme: str = "Bearer") -> None:
        self.client = APIClient(HTTP_HOST=host_of(tenant))
        if key is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        import json

        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"data": json.dumps(body), "content_type": SCIM}
        return getattr(self.client, method)(f"/scim/v2/{path}", **kwargs)

    def get(self, path: str) -> Any:
        return self._send("get", path)

    def post(self, path: str, body: Any) -> Any:
        return self._send("post", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("put", path, body)

    def patch(self, path: str, *operations: dict[str, Any]) -> Any:
        return self._send(
            "patch", path, {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
        )

    def delete(self, path: str) -> Any:
        return self._send("delete", path)


def scim_key(tenant: Any, admin: Any, in_tenant: Any, scopes: list[str] | None = None) -> str:
    from apps.integrations.services.access import service_account_create

    with in_tenant(tenant):
        _account, key = service_account_create(
            actor=admin, data={"name": "Identity provider", "scopes": scopes or ["scim"]}
        )
    return key


@pytest.fixture
def idp(org: Any, in_tenant: Any) -> Provider:
    return Provider(org.tenant, scim_key(org.tenant, org.admin, in_tenant))


def new_user(user_name: str = "dana.lee@tenanta.test", **extra: Any) -> dict[str, Any]:
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Dana", "familyName": "Lee"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "externalId": "00u-dana",
        "active": True,
        **extra,
    }


def scim_error(response: Any, status: int, scim_type: str = "") -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(SCIM)
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA] and body["status"] == str(status), body
    assert body["detail"], body
    if scim_type:
        assert body.get("scimType") == scim_type, body
    return dict(body)
