from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "apps.tenancy"
    label = "tenancy"

    def ready(self) -> None:
        from apps.audit.context import register_schema_runner

        from .context import run_in_schema
        from .sandbox_mail import contain_sandbox_mail

        # e-mail from a sandbox tenant stays in the demo mail store (sandbox_mail.py)
        contain_sandbox_mail()
        # the audit chainer links each schema a committed transaction wrote events in
        register_schema_runner(run_in_schema)
