from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.permissions import Capability
from apps.api.query import MAX_INT, Filters, QueryParam
from apps.controls.refusals import NotFound, ValidationFailed

from .. import selectors, services
from ..document import PolicyError, validate_document
from ..models import PolicyVersion
from ..replay import impact_preview, inputs_today
from ..routing import plan_route
from .serializers import PolicyInputSerializer, PolicyVersionSerializer, SimulateSerializer


def _version_number(name: str, description: str, *, required: bool = False) -> QueryParam:
    return QueryParam(
        name, "integer", description=description, minimum=1, maximum=MAX_INT, required=required
    )


DIFF_FILTERS = Filters(
    _version_number("from", "A version number.", required=True),
    _version_number("to", "A version number.", required=True),
)
IMPACT_FILTERS = Filters(_version_number("against", "A version number (else the published one)."))


class PolicyVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The tenant's approval policy versions and the tools around them (tenant admins)."""

    serializer_class = PolicyVersionSerializer
    permission_classes = [
        Capability.of(
            read=("accounts.manage_settings", "accounts.view_audit"),
            write="accounts.manage_settings",
        )
    ]
    lookup_field = "number"
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[PolicyVersion]:
        return PolicyVersion.objects.select_related("created_by").order_by("-number")

    @extend_schema(request=PolicyInputSerializer, responses={201: PolicyVersionSerializer})
    def create(self, request: Request) -> Response:
        payload = PolicyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.policy_draft_create(
            actor=current_user(request), **payload.validated_data
        )
        return Response(PolicyVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PolicyInputSerializer, responses=PolicyVersionSerializer)
    def partial_update(self, request: Request, number: str) -> Response:
        payload = PolicyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.policy_draft_update(
            actor=current_user(request), version=self.get_object(), **payload.validated_data
        )
        return Response(PolicyVersionSerializer(version).data)

    @extend_schema(
        request=PolicyInputSerializer,
        responses=inline_serializer(
            "PolicyValidation",
            {
                "valid": serializers.BooleanField(),
                "errors": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField())
                ),
            },
        ),
    )
    @action(detail=False, methods=["post"])
    def validate(self, request: Request) -> Response:
        try:
            validate_document(
                request.data.get("document") if isinstance(request.data, dict) else None
            )
        except PolicyError as exc:
            return Response({"valid": False, "errors": exc.errors})
        return Response({"valid": True, "errors": {}})

    @extend_schema(request=None, responses=PolicyVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, number: str) -> Response:
        version = services.policy_publish(actor=current_user(request), version=self.get_object())
        return Response(PolicyVersionSerializer(version).data)

    @extend_schema(parameters=DIFF_FILTERS.parameters(), responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def diff(self, request: Request) -> Response:
        numbers = DIFF_FILTERS.read(request.query_params)
        old, new = (self._version(numbers[k]) for k in ("from", "to"))
        return Response(
            {
                "from": old.number,
                "to": new.number,
                **selectors.policy_diff(old.document, new.document),
            }
        )

    @extend_schema(
        request=SimulateSerializer,
        responses=inline_serializer(
            "PolicySimulation",
            {
                "requisition": serializers.CharField(),
                "facts": serializers.DictField(),
                "route": serializers.DictField(),
            },
        ),
    )
    @action(detail=True, methods=["post"])
    def simulate(self, request: Request, number: str) -> Response:
        """Route an existing requisition with this version, as if it were submitted today."""
        payload = SimulateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        found = inputs_today("requisition", pk=payload.validated_data["requisition"])
        if found is None:
            raise ValidationFailed(errors={"requisition": [_("Unknown requisition.")]})
        requisition, facts, context = found
        plan = plan_route(version=self.get_object(), facts=facts, context=context)
        return Response(
            {"requisition": requisition.number, "facts": facts, "route": plan.as_dict()}
        )

    @extend_schema(parameters=IMPACT_FILTERS.parameters(), responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def impact(self, request: Request, number: str) -> Response:
        """Which requisitions of the last 90 days would route differently under this version
        than under the published one (or `?against=N`); under `invoices`, how many of those
        days' price and quantity exceptions its invoice tolerances would not have raised, and
        how many invoices matched without one would have raised one, by spend category."""
        against = IMPACT_FILTERS.read(request.query_params)["against"]
        baseline = self._version(against) if against else selectors.policy_published()
        return Response(impact_preview(draft=self.get_object(), baseline=baseline))

    def _version(self, number: Any) -> PolicyVersion:
        version = (
            PolicyVersion.objects.filter(number=number).first()
            if str(number or "").isdigit()
            else None
        )
        if version is None:
            raise NotFound(_("No policy version %s.") % number)
        return version
