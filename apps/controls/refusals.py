"""The refusals services raise. Each carries the HTTP status and the stable `code` the API
answers with (CONTRACT §3), and a sentence for people."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy


class ApplicationError(Exception):
    """A refusal a service makes; the API answers it with `status` and `code`."""

    status = 400
    code = "bad_request"
    default_detail: Any = gettext_lazy("The request could not be processed.")

    def __init__(self, detail: str | None = None, *, errors: dict[str, list[str]] | None = None):
        self.detail = str(detail or self.default_detail)
        self.errors = errors
        super().__init__(self.detail)

    def text(self) -> str:
        """The refusal as one sentence for a page: the field messages, or the detail."""
        if self.errors:
            return " ".join(m for messages in self.errors.values() for m in messages)
        return self.detail


class ValidationFailed(ApplicationError):
    """A schema-valid request refused for its values (a business rule, an unknown reference):
    422. What the published schema itself forbids is refused by the serializers with 400."""

    status = 422
    code = "validation_error"
    default_detail = gettext_lazy("Some fields are not valid.")


class PermissionRefused(ApplicationError):
    status = 403
    code = "permission_denied"
    default_detail = gettext_lazy("You do not have the role this action needs.")


class SoDViolation(ApplicationError):
    status = 403
    code = "sod_violation"
    default_detail = gettext_lazy("Segregation of duties forbids you to act on this document.")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    default_detail = gettext_lazy("Not found.")


class InvalidTransition(ApplicationError):
    status = 409
    code = "invalid_transition"
    default_detail = gettext_lazy("This action is not allowed in the document's current state.")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_detail = gettext_lazy("The request conflicts with the current state.")
