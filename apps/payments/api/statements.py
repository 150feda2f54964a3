"""`payments/statements/`: the bank's camt.053 / camt.054 files in, what they confirmed out."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.pagination import Pagination
from apps.api.permissions import Capability
from apps.invoices.api.serializers import ImportSerializer

from ..models import BankStatement, StatementEntry
from ..selectors import bank_statements
from ..services.statements import statement_import


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementEntry
        fields = ["reference", "amount", "currency", "booked_on", "outcome", "reason"]


class StatementSerializer(serializers.ModelSerializer):
    entries = EntrySerializer(many=True, read_only=True)

    class Meta:
        model = BankStatement
        fields = ["id", "kind", "message_id", "file_name", "sha256", "created_at", "entries"]


class UnmatchedSerializer(serializers.Serializer):
    entry = serializers.CharField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    reason = serializers.CharField()


class StatementResultSerializer(serializers.Serializer):
    statement = serializers.UUIDField()
    kind = serializers.CharField()
    message_id = serializers.CharField()
    matched = serializers.IntegerField()
    unmatched = UnmatchedSerializer(many=True)
    already_confirmed = serializers.IntegerField()
    ignored = serializers.IntegerField()
    invoices_paid = serializers.ListField(child=serializers.CharField())
    runs_paid = serializers.ListField(child=serializers.CharField())
    replay = serializers.BooleanField(required=False)


class StatementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Bank statements read so far (newest first, with every entry's outcome); POST a file."""

    serializer_class = StatementSerializer
    pagination_class = Pagination
    permission_classes = [
        Capability.of(
            read=("accounts.release_payments", "accounts.view_audit"),
            write="accounts.release_payments",
        )
    ]
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> QuerySet[BankStatement]:
        return bank_statements(self.request.user)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={200: StatementResultSerializer, 201: StatementResultSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = current_user(request)
        result = statement_import(actor=actor, upload=request.FILES.get("file"))
        return Response(
            result, status=status.HTTP_200_OK if result.get("replay") else status.HTTP_201_CREATED
        )
