from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import ApprovalTask, Delegation


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.email")
    on_behalf_of = serializers.SerializerMethodField()
    step = serializers.IntegerField(source="step.sequence")
    reason = serializers.CharField(source="step.reason")
    rule = serializers.CharField(source="step.route.rule_id")
    policy_version = serializers.CharField(source="step.route.policy_version")
    due_at = serializers.DateTimeField(source="step.due_at", allow_null=True, read_only=True)
    subject = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalTask
        fields = [
            "id",
            "subject_type",
            "subject_id",
            "status",
            "assignee",
            "on_behalf_of",
            "step",
            "reason",
            "rule",
            "policy_version",
            "due_at",
            "comment",
            "created_at",
            "decided_at",
            "subject",
        ]

    def get_on_behalf_of(self, task: ApprovalTask) -> str | None:
        return task.on_behalf_of.email if task.on_behalf_of else None

    def get_subject(self, task: ApprovalTask) -> dict[str, Any] | None:
        return self.context.get("summaries", {}).get((task.subject_type, task.subject_id))


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    comment = serializers.CharField()


class DelegateSerializer(serializers.Serializer):
    to = serializers.EmailField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DelegationSerializer(serializers.ModelSerializer):
    delegate = serializers.EmailField(source="delegate.email")

    class Meta:
        model = Delegation
        fields = ["id", "delegate", "starts_on", "ends_on", "created_at"]
