from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "apps.workflow"
    label = "workflow"

    def ready(self) -> None:
        from apps.accounts.leavers import register_work_mover

        from .leavers import open_tasks_move

        # a leaver's open approval tasks: to their delegate, the step's fallback or an admin
        register_work_mover(open_tasks_move)
