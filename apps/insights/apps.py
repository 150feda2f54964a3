from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "apps.insights"
    label = "insights"

    def ready(self) -> None:
        from apps.tenancy.services import on_tenant_provisioned

        from .standing import standing_at_provisioning

        on_tenant_provisioned(standing_at_provisioning)
