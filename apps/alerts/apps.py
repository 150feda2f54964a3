from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "apps.alerts"
    label = "alerts"

    def ready(self) -> None:
        from .due import register_due_probes

        # beat sends the evaluation only where an alert is open or a condition holds
        register_due_probes()
