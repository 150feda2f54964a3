from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "apps.inbox"
    label = "inbox"

    def ready(self) -> None:
        from apps.audit.subjects import register_subject_names

        from .due import register_due_probes
        from .subjects import NAMERS

        for subject_type, namer in NAMERS.items():
            register_subject_names(subject_type, namer)
        register_due_probes()  # beat polls only tenants with a mailbox
