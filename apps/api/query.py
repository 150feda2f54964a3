"""The query parameters of the API's lists: declared once, read once.

A list names its filters as `QueryParam`s in one `Filters`; the same object declares them in the
published schema (for the list action only: a detail or an action takes no filter) and reads
them from the request. A value the schema does not allow (an unknown enum value, a malformed id,
date or number) is refused with `400 invalid_parameter` naming the parameter, never read as
"no filter" or "matches nothing". The pagination's `page` and `page_size` follow the same rule
(apps.api.pagination)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from apps.controls.refusals import ApplicationError

Kind = Literal["string", "uuid", "date", "integer", "boolean"]
V = TypeVar("V")

MAX_TEXT = 200
MAX_INT = 2**31 - 1
# the schema's `format: date` and `format: uuid` as written, nothing looser (Python's parsers
# also take `20260101`, week dates, braces or no hyphens)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class InvalidParameter(ApplicationError):
    status = 400
    code = "invalid_parameter"
    default_detail = gettext_lazy("A query parameter is not valid.")


@dataclass(frozen=True)
class QueryParam:
    """One query parameter: its name, what it holds and, for a closed set, its values."""

    name: str
    kind: Kind = "string"
    choices: tuple[str, ...] | None = None
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    required: bool = False

    @classmethod
    def choice(cls, name: str, choices: Iterable[str], description: str = "") -> QueryParam:
        return cls(name, choices=tuple(sorted(set(choices))), description=description)

    def schema(self) -> dict[str, Any]:
        if self.kind == "boolean":
            return {"type": "string", "enum": ["false", "true"]}
        if self.choices is not None:
            return {"type": "string", "enum": list(self.choices)}
        if self.kind in ("uuid", "date"):
            return {"type": "string", "format": self.kind}
        if self.kind == "integer":
            bounds = {"minimum": self.minimum, "maximum": self.maximum}
            return {"type": "integer", **{k: v for k, v in bounds.items() if v is not None}}
        return {"type": "string", "maxLength": MAX_TEXT}

    def openapi(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name,
            self.schema(),
            OpenApiParameter.QUERY,
            required=self.required,
            description=self.description,
        )

    def parse(self, raw: str) -> Any:
        """The value, or ValueError with the sentence that names what is expected."""
        if self.kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError(_("Expected true or false."))
            return raw == "true"
        if self.choices is not None:
            if raw not in self.choices:
                raise ValueError(
                    _("Expected one of: %(choices)s.") % {"choices": ", ".join(self.choices)}
                )
            return raw
        if self.kind == "uuid":
            if not _UUID.fullmatch(raw):
                raise ValueError(_("Expected an id."))
            return raw.lower()
        if self.kind == "date":
            try:
                if not _DATE.fullmatch(raw):
                    raise ValueError
                return dt.date.fromisoformat(raw)
            except ValueError:
                raise ValueError(_("Expected a date (YYYY-MM-DD).")) from None
        if self.kind == "integer":
            return parse_int(raw, minimum=self.minimum, maximum=self.maximum)
        if len(raw) > MAX_TEXT:
            raise ValueError(_("At most %(n)d characters.") % {"n": MAX_TEXT})
        return raw


def parse_int(raw: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if not raw.isascii() or not raw.removeprefix("-").isdigit() or len(raw) > 1000:
        raise ValueError(_("Expected a whole number."))
    value = int(raw)
    if minimum is not None and value < minimum:
        raise ValueError(_("At least %(n)d.") % {"n": minimum})
    if maximum is not None and value > maximum:
        raise ValueError(_("At most %(n)d.") % {"n": maximum})
    return value


def refuse(errors: Mapping[str, list[str]]) -> InvalidParameter:
    return InvalidParameter(
        _("A query parameter is not valid: %(names)s.") % {"names": ", ".join(errors)},
        errors=dict(errors),
    )


class Filters:
    """The query parameters of one list (or one read-only view)."""

    def __init__(self, *params: QueryParam) -> None:
        self.params = params

    def parameters(self) -> list[OpenApiParameter]:
        return [p.openapi() for p in self.params]

    def read(self, query: QueryDict) -> dict[str, Any]:
        """Every declared parameter by name (None when absent or empty); refuses a value the
        schema does not allow, and a parameter sent twice."""
        values: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for param in self.params:
            sent = query.getlist(param.name)
            if len(sent) > 1:
                errors[param.name] = [_("Sent more than once.")]
                continue
            if not sent and param.required:
                errors[param.name] = [_("This parameter is required.")]
                continue
            if not sent or (sent[0] == "" and param.kind == "string" and not param.choices):
                values[param.name] = None  # absent, or an empty search text
                continue
            raw = sent[0]
            try:
                values[param.name] = param.parse(raw)
            except ValueError as exc:
                errors[param.name] = [str(exc)]
        if errors:
            raise refuse(errors)
        return values

    def of(self, view: Any) -> dict[str, Any]:
        """The filters of a viewset's list request; for its other actions (a detail, an
        action on one record) every filter is None: they take none."""
        if view.action == "list":
            return self.read(view.request.query_params)
        return dict.fromkeys((p.name for p in self.params), None)

    def on(self, *actions: str) -> Callable[[type[V]], type[V]]:
        """Class decorator: declares the parameters on these actions of a viewset."""
        schema = extend_schema(parameters=self.parameters())

        def decorate(view: type[V]) -> type[V]:
            return extend_schema_view(**dict.fromkeys(actions, schema))(view)

        return decorate
