from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "apps.contracts"
    label = "contracts"

    def ready(self) -> None:
        from apps.accounts.leavers import register_work_mover
        from apps.suppliers.portal import register_home_section
        from apps.workflow.services import SubjectHooks, register_subject

        from .due import register_due_probes
        from .leavers import contracts_hand_over
        from .selectors import portal_contracts_section
        from .services import contract_route_approved, contract_route_rejected, contract_summaries

        register_subject(
            "contract",
            SubjectHooks(
                on_approved=contract_route_approved,
                on_rejected=contract_route_rejected,
                summaries=contract_summaries,
            ),
        )
        register_home_section("contracts", portal_contracts_section)
        register_work_mover(contracts_hand_over)  # a leaver's contracts to a tenant admin
        register_due_probes()  # beat sends the renewal job only where a contract is due
