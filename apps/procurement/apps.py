from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "apps.procurement"
    label = "procurement"

    def ready(self) -> None:
        from apps.contracts.selectors import register_spend_figures
        from apps.policies.replay import Replay, register_replay
        from apps.privacy.registry import register_personal_text
        from apps.suppliers.portal import register_home_section
        from apps.tenancy.plans import register_plan_counter
        from apps.workflow.services import SubjectHooks, register_subject

        from .models import Requisition
        from .selectors import (
            contract_spend_figures,
            policy_impact,
            requisition_inputs_today,
            requisition_summaries,
        )
        from .services.requisitions import requisition_route_approved, requisition_route_rejected
        from .usage import requisitions_between
        from .views import portal_orders_section

        register_personal_text(Requisition, "justification", "title")
        register_subject(
            "requisition",
            SubjectHooks(
                on_approved=requisition_route_approved,
                on_rejected=requisition_route_rejected,
                summaries=requisition_summaries,
            ),
        )
        register_replay(
            "requisition", Replay(inputs_today=requisition_inputs_today, impact=policy_impact)
        )
        register_home_section("orders", portal_orders_section)
        register_spend_figures(contract_spend_figures)
        register_plan_counter("requisitions", requisitions_between)
