from __future__ import annotations

from typing import Any

import structlog
from rest_framework.authentication import TokenAuthentication as BaseTokenAuthentication


class TokenAuthentication(BaseTokenAuthentication):
    """DRF's token auth (tokens live in each tenant's schema, so a token of one tenant is
    unknown to every other), binding the user into the request's log context."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            structlog.contextvars.bind_contextvars(user=result[0].get_username())
        return result
