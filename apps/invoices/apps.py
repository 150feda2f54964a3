from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "apps.invoices"
    label = "invoices"

    def ready(self) -> None:
        from apps.accounts.leavers import register_work_mover
        from apps.events.completion import complete_at_dispatch
        from apps.privacy.registry import register_personal_text
        from apps.procurement.services.receiving import on_receipt_posted
        from apps.suppliers.portal import register_home_section
        from apps.tenancy.plans import register_plan_counter

        from .due import register_due_probes
        from .leavers import exceptions_unassign
        from .models import ExceptionComment, InvoiceException
        from .posting import posting_query
        from .tasks import rematch_after_receipt
        from .usage import invoices_between
        from .views import portal_invoices_section

        register_personal_text(ExceptionComment, "body")
        register_personal_text(InvoiceException, "resolution_comment")
        # a goods receipt re-matches the order's invoices held as not received
        on_receipt_posted(rematch_after_receipt)
        register_home_section("invoices", portal_invoices_section)
        register_plan_counter("invoices", invoices_between)
        register_work_mover(exceptions_unassign)  # a leaver's exceptions back to their queue
        register_due_probes()  # beat sends the SLA sweep and the catch-up where work is due
        # a matched batch's approvals carry their posting data from the dispatcher on
        complete_at_dispatch("invoice.approved", "posting", posting_query)
