"""SCIM resources as the identity provider reads and writes them (RFC 7643): a person as a
`User`, a role as a `Group`; and the body of a User the provider sends, read into `UserData`.

Groups are the tenant's roles (apps/accounts/roles.py): the group's `id` is the role's code,
its `displayName` the role's label. A provider's own group name is taken when it is the code,
the label, or a name in the SCIM_GROUP_ROLES setting ({"Finance approvers": "approver"})."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import ROLE_LABELS, SUPPLIER

from .errors import ScimError

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# roles an identity provider may grant: a supplier's contact is invited by buyers, not the IdP
ROLES = [role for role in ROLE_LABELS if role != SUPPLIER]


def _identity(user: User) -> Any:
    try:
        return user.scim_identity  # type: ignore[attr-defined]
    except User.scim_identity.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


def user_resource(user: User, base: str) -> dict[str, Any]:
    identity = _identity(user)
    location = f"{base}/Users/{user.pk}"
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": user.email,
        "name": {
            "givenName": user.first_name,
            "familyName": user.last_name,
            "formatted": user.get_full_name(),
        },
        "displayName": user.get_full_name() or user.email,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.is_active,
        "groups": [
            {
                "value": g.name,
                "display": str(ROLE_LABELS[g.name]),
                "$ref": f"{base}/Groups/{g.name}",
            }
            for g in user.groups.all()
            if g.name in ROLES
        ],
        "meta": {
            "resourceType": "User",
            "created": user.date_joined.isoformat(),
            "lastModified": (user.last_login or user.date_joined).isoformat(),
            "location": location,
        },
    }
    if identity is not None and identity.external_id:
        body["externalId"] = identity.external_id
    return body


def group_resource(group: Group, members: list[User] | None, base: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": group.name,
        "displayName": str(ROLE_LABELS[group.name]),
        "meta": {"resourceType": "Group", "location": f"{base}/Groups/{group.name}"},
    }
    if members is not None:
        body["members"] = [
            {"value": str(u.pk), "display": u.email, "$ref": f"{base}/Users/{u.pk}"}
            for u in members
        ]
    return body


def role_named(name: object) -> str | None:
    """The role a provider's group name stands for, or None."""
    wanted = str(name or "").strip().casefold()
    aliases = {str(k).casefold(): v for k, v in getattr(settings, "SCIM_GROUP_ROLES", {}).items()}
    if aliases.get(wanted) in ROLES:
        return str(aliases[wanted])
    for role in ROLES:
        if wanted in (role.casefold(), str(ROLE_LABELS[role]).casefold()):
            return role
    return None


@dataclass(frozen=True)
class UserData:
    """A User as the provider sent it (POST, PUT, or a PATCH applied to the current one)."""

    user_name: str
    given_name: str
    family_name: str
    external_id: str
    active: bool


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScimError(400, "invalidValue", _("%s must be a string.") % field)
    return value.strip()


def as_bool(value: Any, field: str = "active") -> bool:
    # some providers send "False" as a string
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ScimError(400, "invalidValue", _("%s must be true or false.") % field)
    return value


def user_data(body: Any) -> UserData:
    if not isinstance(body, dict):
        raise ScimError(400, "invalidSyntax", _("The body must be a JSON object."))
    name = body.get("name") or {}
    if not isinstance(name, dict):
        raise ScimError(400, "invalidValue", _("name must be an object."))
    user_name = _text(body.get("userName"), "userName")
    if not user_name:
        emails = body.get("emails") or []
        primary = [e for e in emails if isinstance(e, dict) and e.get("primary")] or emails
        user_name = _text(primary[0].get("value") if primary else "", "emails.value")
    if not user_name:
        raise ScimError(400, "invalidValue", _("userName (the person's e-mail) is required."))
    return UserData(
        user_name=user_name,
        given_name=_text(name.get("givenName"), "name.givenName"),
        family_name=_text(name.get("familyName"), "name.familyName"),
        external_id=_text(body.get("externalId"), "externalId"),
        active=as_bool(body.get("active", True)),
    )


def editable(resource: dict[str, Any]) -> dict[str, Any]:
    """The attributes of a User resource a PATCH may change, as a new body."""
    return {
        "userName": resource["userName"],
        "name": {
            "givenName": resource["name"]["givenName"],
            "familyName": resource["name"]["familyName"],
        },
        "externalId": resource.get("externalId", ""),
        "active": resource["active"],
    }
