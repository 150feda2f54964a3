from django.apps import AppConfig


class MatchingConfig(AppConfig):
    """Two- and three-way matching of invoices against orders, receipts and contracts, one
    layer above invoices: it reads what accounts payable received and writes each line's
    result and each invoice's outcome. Accounts payable asks for a match again (an exception
    closed) through the matcher registered here; the policy editor's impact preview judges the
    last days' price and quantity exceptions again under a draft through the replay."""

    name = "apps.matching"
    label = "matching"

    def ready(self) -> None:
        from apps.invoices.matcher import register_matcher
        from apps.invoices.selectors import invoice_summaries
        from apps.policies.replay import Replay, register_replay
        from apps.workflow.services import SubjectHooks, register_subject

        from .exception_replay import policy_exception_impact
        from .services.approval import invoice_route_approved, invoice_route_rejected
        from .services.outcome import invoices_match

        register_matcher(invoices_match)
        register_replay("invoice", Replay(impact=policy_exception_impact))
        register_subject(
            "invoice",
            SubjectHooks(
                on_approved=invoice_route_approved,
                on_rejected=invoice_route_rejected,
                summaries=invoice_summaries,
            ),
        )
