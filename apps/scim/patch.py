"""PATCH (RFC 7644 §3.5.2) as identity providers send it: `Operations` of `add`, `replace` and
`remove` (any case), with a `path` or with a value holding the attributes. A User's operations
are applied to its current attributes, and the result is saved as a PUT would be; a Group's
become the members to add and to remove. Attributes Spendgate does not keep (title, the
enterprise extension, …) are passed over, as providers send them whether kept or not."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from .errors import ScimError
from .resources import PATCH_SCHEMA, as_bool

_USER_PATHS = {
    "username": ("userName",),
    "externalid": ("externalId",),
    "active": ("active",),
    "name.givenname": ("name", "givenName"),
    "name.familyname": ("name", "familyName"),
}
_MEMBER_FILTER = re.compile(r'^members\[value eq "([^"]*)"\]$', re.I)


def operations(body: Any) -> list[tuple[str, str, Any]]:
    """(op, path, value) of each operation, checked for shape."""
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        raise ScimError(400, "invalidSyntax", _("A PATCH holds a list of Operations."))
    schemas = body.get("schemas")
    if schemas is not None and PATCH_SCHEMA not in schemas:
        raise ScimError(400, "invalidSyntax", _("A PATCH names the PatchOp schema."))
    found = []
    for operation in body["Operations"]:
        if not isinstance(operation, dict):
            raise ScimError(400, "invalidSyntax", _("Each operation is an object."))
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, "invalidSyntax", _("An operation is add, replace or remove."))
        path = str(operation.get("path") or "").strip()
        if op == "remove" and not path:
            raise ScimError(400, "noTarget", _("A remove names its path."))
        if op != "remove" and "value" not in operation:
            raise ScimError(400, "invalidValue", _("An add or replace carries a value."))
        found.append((op, path, operation.get("value")))
    return found


def _set(user: dict[str, Any], path: str, value: Any) -> None:
    key = path.lower()
    if key.startswith("urn:ietf:params:scim:schemas:core:2.0:user:"):
        key = key.rsplit(":", 1)[1]
    if key.startswith("emails"):
        return  # the e-mail is the userName, which the provider sends too
    target = _USER_PATHS.get(key)
    if target is None:
        return
    if target == ("active",):
        value = as_bool(value)
    elif value is not None and not isinstance(value, str):
        raise ScimError(400, "invalidValue", _("%s must be a string.") % path)
    if len(target) == 1:
        user[target[0]] = value if value is not None else ""
    else:
        user[target[0]][target[1]] = value or ""


def user_patched(current: dict[str, Any], body: Any) -> dict[str, Any]:
    """`current` (resources.editable) with the PATCH applied."""
    user = {**current, "name": dict(current["name"])}
    for op, path, value in operations(body):
        if op == "remove":
            if path.lower() in ("username", "active"):
                raise ScimError(400, "mutability", _("%s cannot be removed.") % path)
            _set(user, path, "")
        elif path:
            if path.lower() == "name" and isinstance(value, dict):
                for part, text in value.items():
                    _set(user, f"name.{part}", text)
            else:
                _set(user, path, value)
        else:
            if not isinstance(value, dict):
                raise ScimError(400, "invalidValue", _("Without a path, the value is an object."))
            for attribute, text in value.items():
                if attribute == "name" and isinstance(text, dict):
                    for part, inner in text.items():
                        _set(user, f"name.{part}", inner)
                else:
                    _set(user, attribute, text)
    return user


def _member_ids(value: Any) -> set[str]:
    if value is None:
        return set()
    if not isinstance(value, list) or not all(isinstance(m, dict) and "value" in m for m in value):
        raise ScimError(400, "invalidValue", _('Members are a list of {"value": id}.'))
    return {str(m["value"]) for m in value}


def members_patched(current: set[str], body: Any) -> tuple[set[str], set[str]]:
    """(to add, to remove) from a Group PATCH against the `current` member ids."""
    members = set(current)
    for op, path, value in operations(body):
        match = _MEMBER_FILTER.match(path)
        if match:
            if op != "remove":
                raise ScimError(400, "invalidPath", _("Add members through path members."))
            members.discard(match.group(1))
        elif path.lower() == "members" or (not path and isinstance(value, dict)):
            given = value.get("members") if not path and isinstance(value, dict) else value
            if not path and given is None:
                continue  # a rename (displayName): roles keep their names
            ids = _member_ids(given)
            if op == "add":
                members |= ids
            elif op == "replace":
                members = ids
            else:  # remove: the listed ones, or every member when none is listed
                members = members - ids if value is not None else set()
        elif path.lower() in ("displayname", "externalid"):
            continue  # a role keeps its name
        else:
            raise ScimError(400, "invalidPath", _("This path is not a Group's: %s") % path[:100])
    return members - current, current - members
