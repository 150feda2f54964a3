"""Password sign-in under enforced SSO (registered with accounts' sign-in policy): refused for
everyone but the break-glass admin, whose sign-in is audited."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .selectors import sso_connection
from .services import break_glass_sign_in_record


def password_sign_in_guard(user: Any, channel: str) -> str | None:
    connection = sso_connection()
    if connection is None or not connection.enforced:
        return None
    if connection.break_glass_user_id is not None and connection.break_glass_user_id == user.pk:
        break_glass_sign_in_record(user=user, channel=channel)
        return None
    return _("This organisation signs in with %(idp)s: use “Sign in with %(idp)s”.") % {
        "idp": connection.idp_name
    }
