"""`POST /api/v1/invoices/mail/`: a mail service that forwards (or an integration) hands over
one raw message (RFC 5322, `Content-Type: message/rfc822`, or multipart `file`); it is received
as if it came by SMTP. `GET` lists the kept messages (filter `status`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.pagination import Pagination
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import ValidationFailed

from .models import MailMessage
from .selectors import mail_messages
from .services import mail_receive


class RawMessageParser(BaseParser):
    media_type = "message/rfc822"

    def parse(  # type: ignore[override]  # the body is the message itself, not a mapping
        self, stream: Any, media_type: Any = None, parser_context: Any = None
    ) -> bytes:
        return bytes(stream.read(settings.MAIL_MAX_BYTES * 2 + 1)) if stream else b""


class RawFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the message as received (.eml)")


class MailSerializer(serializers.ModelSerializer):
    class Meta:
        model = MailMessage
        fields = [
            "id",
            "message_id",
            "source",
            "sender",
            "verified_by",
            "recipient",
            "subject",
            "size",
            "sha256",
            "status",
            "reason",
            "detail",
            "supplier",
            "attachments",
            "received_at",
        ]


MAIL_FILTERS = Filters(QueryParam.choice("status", MailMessage.Status.values))


class MailView(generics.ListAPIView):
    serializer_class = MailSerializer
    pagination_class = Pagination
    permission_classes = [
        Capability.of(
            read=("accounts.process_invoices", "accounts.view_audit"),
            write="accounts.process_invoices",
        )
    ]
    parser_classes = [RawMessageParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[MailMessage]:
        wanted = MAIL_FILTERS.read(self.request.query_params)["status"]
        return mail_messages(
            self.request.user, status=wanted if self.request.method == "GET" else None
        )

    @extend_schema(parameters=MAIL_FILTERS.parameters())
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"message/rfc822": OpenApiTypes.BINARY, "multipart/form-data": RawFileSerializer},
        responses={200: MailSerializer, 201: MailSerializer},
    )
    def post(self, request: Request) -> Response:
        raw = request.data if isinstance(request.data, bytes) else b""
        if not raw and request.FILES.get("file") is not None:
            raw = request.FILES["file"].read(settings.MAIL_MAX_BYTES * 2 + 1)
        if not raw:
            raise ValidationFailed(
                errors={"message": [_("Send the raw message (message/rfc822) or a file.")]}
            )
        message = mail_receive(raw=raw, source="api", actor=current_user(request))
        replay = getattr(message, "replay", False)
        return Response(
            MailSerializer(message).data,
            status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
        )


urlpatterns = [path("invoices/mail/", MailView.as_view(), name="invoice-mail")]
