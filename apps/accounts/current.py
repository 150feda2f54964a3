"""The person a request is signed in as, typed as the tenant's `User`: every page and API
view asks here instead of casting `request.user` itself."""

from __future__ import annotations

from typing import Any, cast

from .models import User


def current_user(request: Any) -> User:
    """`request.user` of a page (HttpRequest) or an API view (DRF's Request); the view's
    `login_required` or permission class has already refused an anonymous visitor."""
    return cast(User, request.user)
