"""Query parameters the schema types (a date is `format: date`): a value that is not one
violates the schema, so it is a 400 `invalid_parameter` naming the parameter, never a server
error nor a silent default."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError

_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # RFC 3339 full-date, as OpenAPI means


class InvalidParameter(ApplicationError):
    status = 400
    code = "invalid_parameter"


def query_date(params: Any, name: str) -> date | None:
    """The date `?name=YYYY-MM-DD` gives, None when absent; 2026-02-30 is refused."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        if not _FULL_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        message = _("Give a date that exists, as YYYY-MM-DD (such as 2026-02-28).")
        raise InvalidParameter(
            _("The parameter %s is not a date.") % name, errors={name: [message]}
        ) from None
