from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "apps.procurement"
    label = "procurement"

    def ready(self) -> None:
        from apps.workflow.services import SubjectHooks, register_subject

        from .selectors import requisition_summaries
        from .services import requisition_route_approved, requisition_route_rejected

        register_subject(
            "requisition",
            SubjectHooks(
                on_approved=requisition_route_approved,
                on_rejected=requisition_route_rejected,
                summaries=requisition_summaries,
            ),
        )
