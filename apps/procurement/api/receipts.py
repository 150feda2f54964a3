"""`goods-receipts/`: the receipts of the orders a person sees, and posting one (the same
service as the receiving page)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.current import current_user
from apps.api.permissions import Capability
from apps.api.query import Filters, QueryParam
from apps.controls.refusals import ValidationFailed

from ..models import GoodsReceipt, GoodsReceiptLine
from ..selectors import purchase_orders_visible_to
from ..services.receiving import goods_receipt_post


class ReceiptLineInputSerializer(serializers.Serializer):
    po_line = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


class ReceiptInputSerializer(serializers.Serializer):
    purchase_order = serializers.UUIDField()
    lines = ReceiptLineInputSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ReceiptLineSerializer(serializers.ModelSerializer):
    line_no = serializers.IntegerField(source="po_line.line_no")

    class Meta:
        model = GoodsReceiptLine
        fields = ["po_line", "line_no", "quantity"]


class ReceiptSerializer(serializers.ModelSerializer):
    purchase_order = serializers.UUIDField(source="purchase_order_id")
    purchase_order_number = serializers.CharField(source="purchase_order.number")
    purchase_order_status = serializers.CharField(source="purchase_order.status")
    received_by = serializers.CharField(source="received_by.email", allow_null=True, default=None)
    lines = ReceiptLineSerializer(many=True)

    class Meta:
        model = GoodsReceipt
        fields = [
            "id",
            "number",
            "purchase_order",
            "purchase_order_number",
            "purchase_order_status",
            "received_by",
            "received_at",
            "is_return",
            "note",
            "lines",
        ]


RECEIPT_FILTERS = Filters(QueryParam("purchase_order", "uuid"))


@RECEIPT_FILTERS.on("list")
class GoodsReceiptViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ReceiptSerializer
    permission_classes = [
        Capability.of(read="accounts.view_reference_data", write="accounts.post_goods_receipt")
    ]

    queryset = GoodsReceipt.objects.none()  # the model, for the OpenAPI schema

    def get_queryset(self) -> QuerySet[GoodsReceipt]:
        receipts = (
            GoodsReceipt.objects.filter(
                purchase_order__in=purchase_orders_visible_to(current_user(self.request))
            )
            .select_related("purchase_order", "received_by")
            .prefetch_related("lines__po_line")
        )
        order = RECEIPT_FILTERS.of(self)["purchase_order"]
        return receipts.filter(purchase_order_id=order) if order else receipts

    @extend_schema(request=ReceiptInputSerializer, responses={201: ReceiptSerializer})
    def create(self, request: Request) -> Response:
        payload = ReceiptInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if (
            not purchase_orders_visible_to(current_user(request))
            .filter(pk=data["purchase_order"])
            .exists()
        ):
            raise ValidationFailed(errors={"purchase_order": [_("No such purchase order.")]})
        receipt = goods_receipt_post(
            actor=current_user(request),
            order_id=data["purchase_order"],
            lines=[
                {"po_line": line["po_line"], "quantity": line["quantity"]} for line in data["lines"]
            ],
            note=data["note"],
        )
        return Response(
            ReceiptSerializer(self.get_queryset().get(pk=receipt.pk)).data,
            status=status.HTTP_201_CREATED,
        )
