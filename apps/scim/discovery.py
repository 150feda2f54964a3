"""What the provider reads before it provisions (RFC 7643 §5-7): the features supported, the
two resource types and their schemas (the attributes Spendgate keeps)."""

from __future__ import annotations

from typing import Any

from .resources import GROUP_SCHEMA, USER_SCHEMA

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RT_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://github.com/spendgate/spendgate/blob/main/docs/identity.md",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 200},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Service account key",
                "description": "A key with the scim scope: Authorization: Bearer spk_…",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base}/ServiceProviderConfig",
        },
    }


def resource_types(base: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RT_SCHEMA],
            "id": kind,
            "name": kind,
            "endpoint": f"/{kind}s",
            "schema": schema,
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/{kind}"},
        }
        for kind, schema in (("User", USER_SCHEMA), ("Group", GROUP_SCHEMA))
    ]


def _attribute(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "multiValued": False,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        **extra,
    }


def schemas(base: str) -> list[dict[str, Any]]:
    name = _attribute(
        "name",
        "complex",
        subAttributes=[_attribute("givenName"), _attribute("familyName")],
    )
    email = _attribute(
        "emails",
        "complex",
        multiValued=True,
        subAttributes=[_attribute("value"), _attribute("type"), _attribute("primary", "boolean")],
    )
    user = [
        _attribute("userName", required=True, uniqueness="server"),
        name,
        email,
        _attribute("active", "boolean"),
        _attribute("externalId", caseExact=True),
        _attribute("groups", "complex", multiValued=True, mutability="readOnly"),
    ]
    group = [
        _attribute("displayName", required=True, uniqueness="server"),
        _attribute("members", "complex", multiValued=True),
    ]
    return [
        {
            "schemas": [SCHEMA_SCHEMA],
            "id": urn,
            "name": label,
            "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
        }
        for urn, label, attributes in (
            (USER_SCHEMA, "User", user),
            (GROUP_SCHEMA, "Group", group),
        )
    ]
