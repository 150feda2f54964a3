"""SCIM's own error body (RFC 7644 §3.12), for the refusals of the views and the services."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(Exception):
    """A refusal in SCIM's words: the HTTP status, a `scimType` where RFC 7644 names one
    (invalidFilter, invalidSyntax, invalidValue, invalidPath, noTarget, uniqueness,
    mutability, tooMany), and a sentence."""

    def __init__(self, status: int, scim_type: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.scim_type, self.detail = status, scim_type, detail


def error_body(status: int, detail: str, scim_type: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body
