"""The `sessions` section of the policy document: how long a signed-in browser session may
sit idle, and how long it may live at all, before it is ended and the person signs in again
(apps.policies.session_timeouts).

    "sessions": {
      "idle_minutes": 30,     # no request for this long ends the session (1 to 1440)
      "absolute_hours": 12    # this long after signing in the session ends anyway (1 to 720)
    }
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from .models import PolicyVersion

DEFAULT_SESSION_POLICY: dict[str, Any] = {"idle_minutes": 30, "absolute_hours": 12}
LIMITS = {"idle_minutes": (1, 24 * 60), "absolute_hours": (1, 30 * 24)}


def validate_session_section(section: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The section with defaults filled in; problems are added to `errors`."""
    out = copy.deepcopy(DEFAULT_SESSION_POLICY)
    if section is None:
        return out
    if not isinstance(section, dict):
        errors["sessions"] = [_("The sessions section is an object.")]
        return out
    for key, value in section.items():
        if key not in out:
            errors[f"sessions.{key}"] = [_("Unknown setting.")]
            continue
        low, high = LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[f"sessions.{key}"] = [
                _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
            ]
            continue
        out[key] = value
    return out


CACHE_KEY = "policies:session_limits"  # per tenant: django-tenants' make_key prefixes it
CACHE_SECONDS = 60


@dataclass(frozen=True)
class SessionLimits:
    idle_minutes: int
    absolute_hours: int


def _limits_of(section: Any) -> SessionLimits:
    values = validate_session_section(section, {})
    return SessionLimits(values["idle_minutes"], values["absolute_hours"])


DEFAULT_LIMITS = _limits_of(DEFAULT_SESSION_POLICY)


def session_limits(tenant: Any) -> SessionLimits:
    """The limits of the tenant the request is on (defaults on the public host)."""
    if tenant is None or getattr(tenant, "is_public", True):
        return DEFAULT_LIMITS
    cached = cache.get(CACHE_KEY)
    if isinstance(cached, list) and len(cached) == 2:
        return SessionLimits(*cached)
    document = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .values_list("document", flat=True)
        .first()
    )
    limits = _limits_of((document or {}).get("sessions"))
    cache.set(CACHE_KEY, [limits.idle_minutes, limits.absolute_hours], CACHE_SECONDS)
    return limits


def session_limits_forget() -> None:
    """A policy was published: the next request reads its limits."""
    cache.delete(CACHE_KEY)
