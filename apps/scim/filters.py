"""The `filter` of a SCIM list (RFC 7644 §3.4.2.2), the part identity providers send:
comparisons (`eq`, `ne`, `co`, `sw`, `ew`, `pr`) joined by `and`, on the attributes below.
`emails[type eq "work"].value` reads as `emails.value`, `members[value eq "7"]` as
`members.value eq "7"`. Anything else is refused with `invalidFilter`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import ScimError

OPERATORS = {"eq", "ne", "co", "sw", "ew", "pr"}
_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([^\s"]+))')


@dataclass(frozen=True)
class Condition:
    attribute: str  # lower case: "username", "emails.value", "members.value"
    operator: str
    value: object


def _bad(text: str) -> ScimError:
    return ScimError(400, "invalidFilter", _("This filter is not supported: %s") % text[:200])


def parse_filter(text: str) -> list[Condition]:
    """The conditions of `text`, all of which must hold."""
    text = re.sub(r'(\w+)\[type eq "[^"]*"\]\.(\w+)', r"\1.\2", text.strip())
    text = re.sub(r'(\w+)\[(\w+) (eq) ("(?:[^"\\]|\\.)*")\]', r"\1.\2 \3 \4", text)
    tokens = []
    for quoted, word in _TOKEN.findall(text):
        tokens.append(("value", json.loads(quoted)) if quoted else ("word", word))
    conditions: list[Condition] = []
    i = 0
    while i < len(tokens):
        if len(tokens) < i + 2 or tokens[i][0] != "word":
            raise _bad(text)
        attribute, operator = str(tokens[i][1]).lower(), str(tokens[i + 1][1]).lower()
        if operator not in OPERATORS or not re.fullmatch(r"[a-z][\w.:]*", attribute):
            raise _bad(text)
        if operator == "pr":
            conditions.append(Condition(attribute, operator, None))
            i += 2
        else:
            if len(tokens) < i + 3:
                raise _bad(text)
            kind, value = tokens[i + 2]
            if kind == "word":
                value = {"true": True, "false": False, "null": None}.get(str(value).lower(), value)
            conditions.append(Condition(attribute, operator, value))
            i += 3
        if i < len(tokens):
            if tokens[i] != ("word", "and") and str(tokens[i][1]).lower() != "and":
                raise _bad(text)
            i += 1
            if i == len(tokens):
                raise _bad(text)
    if not conditions:
        raise _bad(text)
    return conditions
