"""Support access in the API. Tenant hosts: `access-grants/` for the tenant's admins (list,
read, approve, refuse, revoke). Partner host: `partner/access-requests/` for the partner's
support people (their own requests; POST asks a client)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.parsers import BoundedJSONParser
from apps.api.permissions import Capability
from apps.controls.refusals import NotFound
from apps.tenancy.context import current_tenant
from apps.tenancy.services import partner_of

from ..access_models import MAX_HOURS, READ_SCOPE, AccessGrant
from . import selectors, services
from .scopes import SCOPES
from .services import grant_pk


class AccessGrantSerializer(serializers.ModelSerializer):
    # the partner person's e-mail (their name beside it): who asks, as the client knows them
    partner_user = serializers.EmailField(source="partner_user_email", read_only=True)
    partner = serializers.CharField(source="partner.name", read_only=True)
    tenant = serializers.CharField(source="client.slug", read_only=True)
    status = serializers.ChoiceField(
        source="current_status", choices=AccessGrant.Status.choices, read_only=True
    )

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "partner_user",
            "partner_user_name",
            "partner",
            "tenant",
            "reason",
            "scope",
            "hours",
            "emergency",
            "status",
            "requested_at",
            "decided_at",
            "decided_by",
            "decision_note",
            "starts_at",
            "expires_at",
            "ended_at",
        ]
        read_only_fields = fields


class AccessDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AccessRequestSerializer(serializers.Serializer):
    tenant = serializers.CharField(max_length=31, help_text="The client tenant's slug.")
    reason = serializers.CharField(max_length=1000, allow_blank=True)
    scope = serializers.ChoiceField(choices=list(SCOPES), default=READ_SCOPE)
    hours = serializers.IntegerField(min_value=1, max_value=MAX_HOURS)
    emergency = serializers.BooleanField(default=False)


# the tenant's admins decide; auditors read who had access, as they read the trail
ADMINS_OR_AUDITORS = Capability.of(
    read=(*services.ADMIN_CAPABILITIES, "accounts.view_audit"), write=services.ADMIN_CAPABILITIES
)


class AccessGrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The tenant's support access grants, newest first; its admins decide and revoke, its
    auditors read."""

    serializer_class = AccessGrantSerializer
    permission_classes = [ADMINS_OR_AUDITORS]
    queryset = AccessGrant.objects.none()
    lookup_value_regex = "[0-9]{1,19}"

    def get_queryset(self) -> QuerySet[AccessGrant]:
        client = current_tenant()
        if client is None:
            return AccessGrant.objects.none()
        return selectors.client_grants(client)

    def get_object(self) -> AccessGrant:
        grant = self.get_queryset().filter(pk=grant_pk(self.kwargs["pk"])).first()
        if grant is None:
            raise NotFound()
        return grant

    def _decided(self, grant: AccessGrant) -> Response:
        return Response(AccessGrantSerializer(grant).data)

    @extend_schema(request=AccessDecisionSerializer, responses=AccessGrantSerializer)
    @action(detail=True, methods=["post"], parser_classes=[BoundedJSONParser])
    def approve(self, request: Request, pk: str) -> Response:
        payload = AccessDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._decided(
            services.access_grant_approve(
                actor=current_user(request),
                grant_id=grant_pk(pk),
                note=payload.validated_data.get("note", ""),
            )
        )

    @extend_schema(request=AccessDecisionSerializer, responses=AccessGrantSerializer)
    @action(detail=True, methods=["post"], parser_classes=[BoundedJSONParser])
    def refuse(self, request: Request, pk: str) -> Response:
        payload = AccessDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._decided(
            services.access_grant_refuse(
                actor=current_user(request),
                grant_id=grant_pk(pk),
                note=payload.validated_data.get("note", ""),
            )
        )

    @extend_schema(request=None, responses=AccessGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        return self._decided(
            services.access_grant_revoke(actor=current_user(request), grant_id=grant_pk(pk))
        )


class AccessRequestListCreateView(ListAPIView):
    """The signed-in partner person's support access requests, newest first; POST asks one of
    the partner's clients (`hours` 1 to 8; `scope` read or one named write capability; an
    `emergency` read-only request opens at once where the client pre-approved it)."""

    serializer_class = AccessGrantSerializer
    parser_classes = [BoundedJSONParser]

    def get_queryset(self) -> QuerySet[AccessGrant]:
        partner_of(self.request.user, "request_support_access")
        return selectors.partner_user_grants(self.request.user)

    @extend_schema(request=AccessRequestSerializer, responses={201: AccessGrantSerializer})
    def post(self, request: Request) -> Response:
        partner_of(request.user, "request_support_access")
        payload = AccessRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        grant = services.access_request(actor=request.user, **payload.validated_data)
        return Response(AccessGrantSerializer(grant).data, status=status.HTTP_201_CREATED)
