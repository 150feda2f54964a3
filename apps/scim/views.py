"""/scim/v2/ on a tenant's host (RFC 7644): Users, Groups, and the discovery documents. Bodies
are `application/scim+json`; every refusal is a SCIM error (errors.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.controls.refusals import ApplicationError, Conflict, NotFound

from . import services
from .auth import HoldsScimScope, ScimKeyAuthentication
from .discovery import resource_types, schemas, service_provider_config
from .errors import ScimError, error_body
from .filters import Condition, parse_filter
from .patch import members_patched, user_patched
from .resources import (
    LIST_SCHEMA,
    ROLES,
    editable,
    group_resource,
    role_named,
    user_data,
    user_resource,
)

MAX_COUNT = 200


class ScimJSONParser(JSONParser):
    media_type = "application/scim+json"


class ScimRenderer(JSONRenderer):
    media_type = "application/scim+json"
    charset = "utf-8"


class AlwaysScim(BaseContentNegotiation):
    """SCIM answers application/scim+json whatever the client's Accept says."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        content_type = request.content_type.split(";")[0].strip()
        return next((p for p in parsers if p.media_type == content_type), None)

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


def scim_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    status, scim_type, detail = 500, "", _("Something went wrong on our side.")
    if isinstance(exc, ScimError):
        status, scim_type, detail = exc.status, exc.scim_type, exc.detail
    elif isinstance(exc, Conflict):
        status, scim_type, detail = 409, "uniqueness", exc.text()
    elif isinstance(exc, ApplicationError):
        status = exc.status if exc.status in (403, 404, 409) else 400
        scim_type = "invalidValue" if status == 400 else ""
        detail = exc.text()
    elif isinstance(exc, Http404):
        status, detail = 404, _("Not found.")
    elif isinstance(exc, drf.ParseError):
        status, scim_type, detail = 400, "invalidSyntax", str(exc.detail)
    elif isinstance(exc, drf.APIException):
        status, detail = exc.status_code, str(exc.detail)
    else:
        return None  # DRF raises it: the server error page, logged
    response = Response(error_body(status, detail, scim_type), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


class ScimView(APIView):
    schema = None  # SCIM has its own discovery (/ServiceProviderConfig, /Schemas), not OpenAPI
    authentication_classes = [ScimKeyAuthentication]
    permission_classes = [HoldsScimScope]
    parser_classes = [ScimJSONParser, JSONParser]
    renderer_classes = [ScimRenderer]
    content_negotiation_class = AlwaysScim

    def get_exception_handler(self) -> Any:
        return scim_exception_handler

    def base(self, request: Request) -> str:
        return request.build_absolute_uri("/scim/v2")


def _window(request: Request) -> tuple[int, int]:
    """startIndex (1-based) and count; out-of-range values are taken as the nearest allowed."""

    def number(name: str, default: int) -> int:
        try:
            return int(request.query_params.get(name, default))
        except ValueError as exc:
            raise ScimError(400, "invalidValue", _("%s must be a whole number.") % name) from exc

    return max(number("startIndex", 1), 1), min(max(number("count", 100), 0), MAX_COUNT)


def _listed(total: int, start: int, resources: list[dict[str, Any]]) -> Response:
    return Response(
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


_USER_FIELDS = {
    "username": "email",
    "emails.value": "email",
    "externalid": "scim_identity__external_id",
    "id": "pk",
    "active": "is_active",
    "name.givenname": "first_name",
    "name.familyname": "last_name",
}
_LOOKUPS = {"eq": "iexact", "co": "icontains", "sw": "istartswith", "ew": "iendswith"}


def _user_condition(condition: Condition) -> Q:
    field = _USER_FIELDS.get(condition.attribute)
    if field is None:
        raise ScimError(400, "invalidFilter", _("Cannot filter on %s.") % condition.attribute)
    if condition.operator == "pr":
        if field in ("pk", "is_active"):
            return Q()  # always present
        return ~Q(**{field: ""}) & Q(**{f"{field}__isnull": False})
    value = condition.value
    if field in ("pk", "is_active"):
        if condition.operator not in ("eq", "ne"):
            raise ScimError(
                400, "invalidFilter", _("Compare %s with eq or ne.") % condition.attribute
            )
        if field == "is_active" and not isinstance(value, bool):
            raise ScimError(400, "invalidFilter", _("active is compared with true or false."))
        if field == "pk" and not str(value).isdigit():
            return Q(pk__in=[]) if condition.operator == "eq" else Q()
        q = Q(**{field: int(str(value)) if field == "pk" else value})
    else:
        if condition.operator not in _LOOKUPS and condition.operator != "ne":
            raise ScimError(400, "invalidFilter", _("Unsupported operator."))
        q = Q(**{f"{field}__{_LOOKUPS.get(condition.operator, 'iexact')}": str(value)})
    return ~q if condition.operator == "ne" else q


def _people() -> QuerySet[User]:
    return (
        services.provisioned_people()
        .select_related("scim_identity")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .order_by("pk")
    )


class UsersView(ScimView):
    def get(self, request: Request) -> Response:
        people = _people()
        if request.query_params.get("filter"):
            for condition in parse_filter(request.query_params["filter"]):
                people = people.filter(_user_condition(condition))
        start, count = _window(request)
        total = people.count()
        page = list(people[start - 1 : start - 1 + count]) if count else []
        base = self.base(request)
        return _listed(total, start, [user_resource(u, base) for u in page])

    def post(self, request: Request) -> Response:
        user = services.scim_user_create(
            actor=request.user,
            data=user_data(request.data),
            base_url=request.build_absolute_uri("/"),
            portal_name=getattr(request._request, "tenant", None).portal_name,  # type: ignore[union-attr]
        )
        body = user_resource(_people().get(pk=user.pk), self.base(request))
        return Response(body, status=201, headers={"Location": body["meta"]["location"]})


class UserView(ScimView):
    def _one(self, user_id: str) -> User:
        found = _people().filter(pk=user_id).first() if user_id.isdigit() else None
        if found is None:
            raise NotFound(_("No such user."))
        return found

    def get(self, request: Request, user_id: str) -> Response:
        return Response(user_resource(self._one(user_id), self.base(request)))

    def put(self, request: Request, user_id: str) -> Response:
        self._one(user_id)
        services.scim_user_replace(
            actor=request.user, user_id=user_id, data=user_data(request.data)
        )
        return self.get(request, user_id)

    def patch(self, request: Request, user_id: str) -> Response:
        current = editable(user_resource(self._one(user_id), self.base(request)))
        patched = user_patched(current, request.data)
        services.scim_user_replace(actor=request.user, user_id=user_id, data=user_data(patched))
        return self.get(request, user_id)

    def delete(self, request: Request, user_id: str) -> Response:
        self._one(user_id)
        services.scim_user_delete(actor=request.user, user_id=user_id)
        return Response(status=204)


def _roles() -> QuerySet[Group]:
    members = User.objects.filter(is_service_account=False).exclude(
        scim_identity__deleted_at__isnull=False
    )
    return (
        Group.objects.filter(name__in=ROLES)
        .prefetch_related(Prefetch("user_set", queryset=members.order_by("pk")))
        .order_by("name")
    )


def _group_matches(group: Group, condition: Condition) -> bool:
    if condition.attribute == "displayname" and condition.operator == "eq":
        return role_named(condition.value) == group.name
    if condition.attribute == "id" and condition.operator == "eq":
        return str(condition.value) == group.name
    if condition.attribute == "externalid" and condition.operator == "eq":
        return role_named(condition.value) == group.name
    if condition.attribute == "members.value" and condition.operator == "eq":
        return any(str(u.pk) == str(condition.value) for u in group.user_set.all())
    raise ScimError(400, "invalidFilter", _("Cannot filter groups on %s.") % condition.attribute)


def _with_members(request: Request) -> bool:
    excluded = request.query_params.get("excludedAttributes", "").lower().split(",")
    return "members" not in [e.strip() for e in excluded]


class GroupsView(ScimView):
    def get(self, request: Request) -> Response:
        groups = list(_roles())
        if request.query_params.get("filter"):
            conditions = parse_filter(request.query_params["filter"])
            groups = [g for g in groups if all(_group_matches(g, c) for c in conditions)]
        start, count = _window(request)
        page = groups[start - 1 : start - 1 + count]
        base, members = self.base(request), _with_members(request)
        return _listed(
            len(groups),
            start,
            [group_resource(g, list(g.user_set.all()) if members else None, base) for g in page],
        )

    def post(self, request: Request) -> Response:
        """A provider's group is one of the roles: creating it names the role (its code, its
        label or an alias of SCIM_GROUP_ROLES) and grants it to the members it lists."""
        body = request.data if isinstance(request.data, dict) else {}
        role = role_named(body.get("displayName"))
        if role is None:
            raise ScimError(
                400,
                "invalidValue",
                _("A group is one of the roles: %s.") % ", ".join(ROLES),
            )
        group = _roles().get(name=role)
        add = {str(m.get("value")) for m in body.get("members") or [] if isinstance(m, dict)}
        if add:
            services.scim_group_members_change(actor=request.user, role=role, add=add, remove=set())
        body = group_resource(
            group, list(_roles().get(name=role).user_set.all()), self.base(request)
        )
        return Response(body, status=201, headers={"Location": body["meta"]["location"]})


class GroupView(ScimView):
    def _one(self, group_id: str) -> Group:
        group = _roles().filter(name=group_id).first()
        if group is None:
            raise NotFound(_("No such group."))
        return group

    def get(self, request: Request, group_id: str) -> Response:
        group = self._one(group_id)
        members = list(group.user_set.all()) if _with_members(request) else None
        return Response(group_resource(group, members, self.base(request)))

    def patch(self, request: Request, group_id: str) -> Response:
        current = {str(u.pk) for u in self._one(group_id).user_set.all()}
        add, remove = members_patched(current, request.data)
        if add or remove:
            services.scim_group_members_change(
                actor=request.user, role=group_id, add=add, remove=remove
            )
        return Response(status=204)

    def put(self, request: Request, group_id: str) -> Response:
        current = {str(u.pk) for u in self._one(group_id).user_set.all()}
        body = request.data if isinstance(request.data, dict) else {}
        if "members" in body:
            wanted = {str(m.get("value")) for m in body["members"] or [] if isinstance(m, dict)}
            services.scim_group_members_change(
                actor=request.user, role=group_id, add=wanted - current, remove=current - wanted
            )
        return self.get(request, group_id)

    def delete(self, request: Request, group_id: str) -> Response:
        self._one(group_id)
        raise ScimError(
            400, "mutability", _("A role cannot be deleted; remove its members instead.")
        )


class ServiceProviderConfigView(ScimView):
    def get(self, request: Request) -> Response:
        return Response(service_provider_config(self.base(request)))


class ResourceTypesView(ScimView):
    def get(self, request: Request, name: str = "") -> Response:
        found = resource_types(self.base(request))
        if name:
            one = next((r for r in found if r["id"] == name), None)
            if one is None:
                raise NotFound()
            return Response(one)
        return _listed(len(found), 1, found)


class SchemasView(ScimView):
    def get(self, request: Request, urn: str = "") -> Response:
        found = schemas(self.base(request))
        if urn:
            one = next((s for s in found if s["id"] == urn), None)
            if one is None:
                raise NotFound()
            return Response(one)
        return _listed(len(found), 1, found)
