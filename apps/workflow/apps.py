from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "apps.workflow"
    label = "workflow"

    def ready(self) -> None:
        from apps.privacy.registry import register_erasure_check, register_personal_text

        from .models import ApprovalTask
        from .selectors import erasure_blocked_by_open_tasks

        register_personal_text(ApprovalTask, "comment")
        register_erasure_check(erasure_blocked_by_open_tasks)
