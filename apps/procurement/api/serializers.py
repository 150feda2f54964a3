from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.workflow.models import ApprovalRoute

from ..models import PurchaseOrder, PurchaseOrderLine, Requisition, RequisitionLine


class LineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    catalogue_item = serializers.CharField(max_length=60, required=False, allow_blank=True)


class RequisitionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    justification = serializers.CharField(required=False, allow_blank=True)
    cost_center = serializers.CharField()
    spend_category = serializers.CharField()
    legal_entity = serializers.CharField()
    currency = serializers.CharField(min_length=3, max_length=3)
    supplier = serializers.UUIDField(required=False, allow_null=True)
    contract_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)
    need_by = serializers.DateField(required=False, allow_null=True)
    lines = LineInputSerializer(many=True, allow_empty=False)


class SourceInputSerializer(serializers.Serializer):
    """`requisitions/{id}/source/`: the supplier a buyer chooses for an approved requisition."""

    supplier = serializers.UUIDField()


class RequisitionLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = RequisitionLine
        fields = ["line_no", "description", "quantity", "unit_price", "amount", "catalogue_item"]


class RequisitionSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.email")
    cost_center = serializers.CharField(source="cost_center.code")
    spend_category = serializers.CharField(source="spend_category.code")
    legal_entity = serializers.CharField(source="legal_entity.code")
    supplier = serializers.UUIDField(source="supplier_id", allow_null=True)
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
            "contract_reference",
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
