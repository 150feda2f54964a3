from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "apps.invoices"
    label = "invoices"

    def ready(self) -> None:
        from apps.workflow.services import SubjectHooks, register_subject

        from .outcome import invoice_route_approved, invoice_route_rejected, invoice_summaries

        register_subject(
            "invoice",
            SubjectHooks(
                on_approved=invoice_route_approved,
                on_rejected=invoice_route_rejected,
                summaries=invoice_summaries,
            ),
        )
