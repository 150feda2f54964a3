from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "apps.assurance"
    label = "assurance"

    def ready(self) -> None:
        from .due import register_due_probes

        # beat sends the pack catch-up and the monthly report only where one is owed
        register_due_probes()
