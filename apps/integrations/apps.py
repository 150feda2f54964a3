from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"

    def ready(self) -> None:
        from apps.audit.subjects import register_subject_names
        from apps.events.services import on_outbox_commit
        from apps.tenancy.background import send_task_now
        from apps.tenancy.services import on_tenant_resumed
        from apps.workflow.assignment import register_assignment_listener

        from .due import register_due_probes
        from .services.chat import chat_configured
        from .subjects import NAMERS
        from .webhooks.delivery import webhook_clocks_move_on

        for subject_type, namer in NAMERS.items():
            register_subject_names(subject_type, namer)

        # a committed change's events are dispatched (and delivered) within about a second;
        # beat's dispatcher is the catch-up
        on_outbox_commit(lambda: send_task_now("apps.integrations.tasks.dispatch_outbox"))
        # held deliveries go out at the next dispatch; their endpoints' clocks stood still
        on_tenant_resumed(webhook_clocks_move_on)

        def announce_in_chat(task_ids: list[str]) -> None:
            # after the assigning commit; a worker posts (outbound HTTP stays off the request)
            if chat_configured():
                send_task_now("apps.integrations.tasks.post_approval_cards", task_ids)

        register_assignment_listener(announce_in_chat)
        # beat sends the dispatcher, retries, key pruning and reconciliation where work is due
        register_due_probes()
