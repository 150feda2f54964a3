from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.tenancy.services import on_tenant_provisioned

        from .roles import sync_roles_after_migrate
        from .services import first_admin_invite

        # Roles are groups with permissions; they must exist in every schema (and so in the
        # template every tenant is cloned from) as soon as the permissions do.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
        on_tenant_provisioned(first_admin_invite)
