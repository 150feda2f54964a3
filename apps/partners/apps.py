from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    label = "partners"

    def ready(self) -> None:
        from .usage.registration import register as usage_register

        usage_register()
