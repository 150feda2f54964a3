from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "apps.tenancy"
    label = "tenancy"

    def ready(self) -> None:
        from .sandbox_mail import contain_sandbox_mail

        # e-mail from a sandbox tenant stays in the demo mail store (sandbox_mail.py)
        contain_sandbox_mail()
