from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "apps.suppliers"
    label = "suppliers"

    def ready(self) -> None:
        from apps.workflow.services import SubjectHooks, register_subject

        from .due import register_due_probes
        from .personal import register_personal_data
        from .selectors import supplier_summaries
        from .services.decisions import supplier_route_approved, supplier_route_rejected

        register_personal_data()
        register_subject(
            "supplier",
            SubjectHooks(
                on_approved=supplier_route_approved,
                on_rejected=supplier_route_rejected,
                summaries=supplier_summaries,
            ),
        )
        register_due_probes()  # beat sends the renewal job only where a document is due
