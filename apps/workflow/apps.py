from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "apps.workflow"
    label = "workflow"

    def ready(self) -> None:
        from apps.accounts.leavers import register_work_mover
        from apps.privacy.registry import register_erasure_check, register_personal_text

        from .assignment import register_assignment_listener
        from .due import register_due_probes
        from .leavers import open_tasks_move
        from .links import mail_assigned
        from .models import ApprovalTask
        from .selectors import erasure_blocked_by_open_tasks

        # a leaver's open approval tasks: to their delegate, the step's fallback or an admin
        register_work_mover(open_tasks_move)
        register_personal_text(ApprovalTask, "comment")
        register_erasure_check(erasure_blocked_by_open_tasks)
        # the assignee hears of a new task by e-mail, with single-use approve/reject links
        register_assignment_listener(mail_assigned)
        register_due_probes()  # beat sends the SLA sweep only where a step is due
