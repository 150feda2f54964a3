"""The published OpenAPI schema declares what every operation can answer: besides its own
responses, the error statuses the API's shared machinery gives any operation, each with the
error body of CONTRACT §3 (`{code, detail, errors?}`). A drf-spectacular postprocessing hook."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx and 5xx body (CONTRACT §3).",
    "properties": {
        "code": {"type": "string", "description": "Stable snake_case code."},
        "detail": {"type": "string", "description": "A sentence for people."},
        "errors": {
            "type": "object",
            "description": "Validation errors by field (`lines[1].quantity`).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "detail"],
}

READ_ERRORS = {
    "400": "A parameter breaks the schema (a NUL character, a malformed or unknown value).",
    "401": "No or a wrong token or session.",
    "403": "Your role may not do this.",
    "404": "No such record here, or a page past the end.",
    "422": "A parameter the schema allows is refused for its value.",
    "429": "Too many requests; `Retry-After` says when to come back.",
    "503": "The database is briefly unreachable (a restart); retry after `Retry-After`.",
}
WRITE_ERRORS = {
    **READ_ERRORS,
    "400": "The body or a parameter breaks the schema; `errors` names the fields.",
    "409": "The record's state does not allow this, or a control refuses it.",
    "413": "The body is larger than allowed.",
    "415": "The body's content type is not accepted.",
    "422": "The request is schema-valid but refused for its values (a business rule, an "
    "unknown reference, an Idempotency-Key used with another request); `errors` names the "
    "fields.",
}
WRITES = {"post", "put", "patch", "delete"}


def declare_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in WRITES | {"get"}:
                continue
            request = operation.get("requestBody") or {}
            schemas = [m.get("schema") for m in request.get("content", {}).values()]
            if any(isinstance(s, dict) and s.get("minProperties") for s in schemas):
                request["required"] = True  # a body that must hold a field cannot be left out
            responses = operation.setdefault("responses", {})
            for status, description in (WRITE_ERRORS if method in WRITES else READ_ERRORS).items():
                responses.setdefault(status, {"description": description, "content": body})
    return result
