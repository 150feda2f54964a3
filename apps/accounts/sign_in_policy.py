"""Whether a person may sign in with their password (the sign-in page and the API's token
endpoint ask the same question). A higher context that owns another way in hands its rule
here from its `AppConfig.ready()`: with single sign-on enforced (apps.identity), the password
opens the door to the break-glass admin only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.controls.registries import HookRegistry

# (user, channel "page" or "api") → the sentence refusing password sign-in, or None
PasswordGuard = Callable[[Any, str], str | None]
_PASSWORD_GUARDS = HookRegistry[PasswordGuard](
    "accounts.sign_in_policy.register_password_guard",
    "password sign-in refused where another way in is enforced (SSO, break-glass admin)",
)


def register_password_guard(guard: PasswordGuard) -> None:
    if guard not in _PASSWORD_GUARDS:
        _PASSWORD_GUARDS.append(guard)


def password_sign_in_refusal(user: Any, channel: str) -> str | None:
    """The reason this person may not sign in with a password, or None (called once the
    password was found right)."""
    for guard in _PASSWORD_GUARDS:
        refusal = guard(user, channel)
        if refusal:
            return refusal
    return None
