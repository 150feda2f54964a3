from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.api.fields import CurrencyField
from apps.workflow.models import ApprovalRoute

from ..models import PurchaseOrder, PurchaseOrderLine, Requisition, RequisitionLine


class LineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(
        max_digits=16, decimal_places=4, required=False, allow_null=True
    )
    free_of_charge = serializers.BooleanField(
        required=False,
        default=False,
        help_text="a price of 0 is taken only with free_of_charge: true (a sample, a warranty "
        "replacement); a line free of charge has a price of 0",
    )
    catalog_item = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="a contracted catalog item (catalog-items/): its description and contracted "
        "price are used, and the requisition links its contract",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("catalog_item"):
            errors = {
                f: ["This field is required."]
                for f in ("description", "unit_price")
                if attrs.get(f) in (None, "")
            }
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class RequisitionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    justification = serializers.CharField(required=False, allow_blank=True)
    cost_center = serializers.CharField()
    spend_category = serializers.CharField()
    legal_entity = serializers.CharField()
    currency = CurrencyField()
    supplier = serializers.UUIDField(required=False, allow_null=True)
    contract = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="the contract bought under (contracts/); checked, else 409 "
        "contract_not_applicable naming the condition",
    )
    contract_note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="free text; never makes a requisition on contract",
    )
    contract_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="the old name of contract_note (kept as a note)",
    )
    need_by = serializers.DateField(required=False, allow_null=True)
    lines = LineInputSerializer(many=True, allow_empty=False)


class SourceInputSerializer(serializers.Serializer):
    """`requisitions/{id}/source/`: the supplier a buyer chooses for an approved requisition."""

    supplier = serializers.UUIDField()


class RequisitionLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = RequisitionLine
        fields = [
            "line_no", "description", "quantity", "unit_price", "free_of_charge", "amount",
            "catalog_item",
        ]  # fmt: skip


class RequisitionSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.email")
    cost_center = serializers.CharField(source="cost_center.code")
    spend_category = serializers.CharField(source="spend_category.code")
    legal_entity = serializers.CharField(source="legal_entity.code")
    supplier = serializers.UUIDField(source="supplier_id", allow_null=True)
    contract = serializers.UUIDField(source="contract_id", allow_null=True)
    lines = RequisitionLineSerializer(many=True)

    class Meta:
        model = Requisition
        fields = [
            "id",
            "number",
            "title",
            "justification",
            "status",
            "requester",
            "cost_center",
            "spend_category",
            "legal_entity",
            "currency",
            "total",
            "entity_total",
            "fx_rate",
            "supplier",
            "contract",
            "contract_note",
            "on_contract",
            "maverick",
            "need_by",
            "policy_version",
            "created_at",
            "submitted_at",
            "decided_at",
            "lines",
        ]


def approval_body(route: ApprovalRoute | None, version: str) -> dict[str, Any]:
    """CONTRACT §3: {policy_version, steps: [{sequence, status, approvers}]}."""
    if route is None:
        return {"policy_version": version, "rule": None, "steps": []}
    steps = []
    for step in route.steps.all():
        tasks = list(step.tasks.all())
        planned: dict[str, Any] = next(
            (s for s in route.plan.get("steps", []) if s["sequence"] == step.sequence), {}
        )
        steps.append(
            {
                "sequence": step.sequence,
                "status": step.status,
                "quorum": step.quorum,
                "reason": step.reason,
                "due_at": step.due_at,
                "approvers": [t.assignee.email for t in tasks] or planned.get("approvers", []),
                "decisions": [
                    {
                        "by": t.assignee.email,
                        "on_behalf_of": t.on_behalf_of.email if t.on_behalf_of else None,
                        "status": t.status,
                        "at": t.decided_at,
                        "comment": t.comment,
                    }
                    for t in tasks
                    if t.status != "open"
                ],
            }
        )
    return {
        "policy_version": route.policy_version,
        "rule": route.rule_id,
        "status": route.status,
        "steps": steps,
    }


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "line_no", "description", "quantity", "unit_price", "received_quantity"]


class PurchaseOrderSerializer(serializers.ModelSerializer):
    requisition = serializers.UUIDField(source="requisition_id")
    requisition_number = serializers.CharField(source="requisition.number")
    supplier = serializers.UUIDField(source="supplier_id", allow_null=True)
    legal_entity = serializers.CharField(source="legal_entity.code")
    lines = PurchaseOrderLineSerializer(many=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "status",
            "requisition",
            "requisition_number",
            "supplier",
            "legal_entity",
            "currency",
            "total",
            "issued_at",
            "acknowledged_at",
            "lines",
        ]
