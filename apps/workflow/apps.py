from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "apps.workflow"
    label = "workflow"

    def ready(self) -> None:
        from apps.privacy.registry import register_personal_text

        from .models import ApprovalTask

        register_personal_text(ApprovalTask, "comment")
