"""The partner's people in the partner API (public host): `partner/users/` — list and invite;
`partner/users/{id}/` — read, PATCH {role}, DELETE (removes); `{id}/remove/` (POST, the same as
DELETE); `{id}/reset-mfa/` (POST: clears the person's authenticator). Partner admins only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.mfa.devices import has_second_factor
from apps.api.fields import Text
from apps.controls.refusals import NotFound
from apps.tenancy.models import PartnerMembership
from apps.tenancy.partner_roles import PARTNER_ROLE_LABELS
from apps.tenancy.services import partner_of

from . import selectors, services

ROLES = sorted(PARTNER_ROLE_LABELS)


class PartnerUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    role = serializers.ChoiceField(choices=ROLES)
    status = serializers.SerializerMethodField(
        help_text="`invited` until the person sets a password, then `active`."
    )
    two_step = serializers.SerializerMethodField(help_text="An authenticator app is set up.")
    invited_at = serializers.DateTimeField(source="user.invited_at", allow_null=True)
    last_login = serializers.DateTimeField(source="user.last_login", allow_null=True)

    def get_status(self, obj: PartnerMembership) -> str:
        return "active" if obj.user.has_usable_password() else "invited"

    def get_two_step(self, obj: PartnerMembership) -> bool:
        known = getattr(obj, "two_step", None)
        if known is not None:
            return bool(known)
        return has_second_factor(obj.user)


class PartnerUserInviteSerializer(serializers.Serializer):
    email = Text()
    role = serializers.ChoiceField(choices=ROLES)
    first_name = Text(required=False, default="", allow_blank=True, max_length=150)
    last_name = Text(required=False, default="", allow_blank=True, max_length=150)


class PartnerUserRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLES)


def _person(request: Request, user_id: int) -> PartnerMembership:
    partner = partner_of(request.user, "manage_partner_users")
    found = selectors.partner_people(partner).filter(user_id=user_id).first()
    if found is None:
        raise NotFound()
    return found


class PartnerUserListView(ListAPIView):
    """The partner's people, newest first; POST invites one (an e-mail with a link to set a
    password; two-step sign-in is set up at the first console sign-in)."""

    serializer_class = PartnerUserSerializer

    def get_queryset(self) -> Any:
        partner = partner_of(self.request.user, "manage_partner_users")
        return selectors.partner_people(partner).order_by("-pk")

    @extend_schema(request=PartnerUserInviteSerializer, responses={201: PartnerUserSerializer})
    def post(self, request: Request) -> Response:
        partner_of(request.user, "manage_partner_users")  # the role first, then the body
        payload = PartnerUserInviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.partner_user_invite(
            actor=request.user, base_url=request.build_absolute_uri("/"), **payload.validated_data
        )
        return Response(
            PartnerUserSerializer(_person(request, membership.user_id)).data,
            status=status.HTTP_201_CREATED,
        )


class PartnerUserDetailView(APIView):
    @extend_schema(responses=PartnerUserSerializer)
    def get(self, request: Request, user_id: int) -> Response:
        return Response(PartnerUserSerializer(_person(request, user_id)).data)

    @extend_schema(request=PartnerUserRoleSerializer, responses=PartnerUserSerializer)
    def patch(self, request: Request, user_id: int) -> Response:
        _person(request, user_id)  # the role and the person first, then the body
        payload = PartnerUserRoleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.partner_user_set_role(
            actor=request.user, user_id=user_id, role=payload.validated_data["role"]
        )
        return Response(PartnerUserSerializer(_person(request, user_id)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, user_id: int) -> Response:
        services.partner_user_remove(actor=request.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PartnerUserRemoveView(APIView):
    """The same as DELETE on the person, for clients that only POST."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, user_id: int) -> Response:
        services.partner_user_remove(actor=request.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PartnerUserMfaResetView(APIView):
    """Clear the person's authenticator (a lost phone): they set up a new one at their next
    console sign-in; their sessions and API tokens end."""

    @extend_schema(request=None, responses=PartnerUserSerializer)
    def post(self, request: Request, user_id: int) -> Response:
        services.partner_user_mfa_reset(actor=request.user, user_id=user_id)
        return Response(PartnerUserSerializer(_person(request, user_id)).data)
