from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    label = "policies"

    def ready(self) -> None:
        from apps.accounts.mfa.policy import register_required_roles

        from .mfa_section import published_required_roles

        register_required_roles(published_required_roles)
