from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.models.signals import post_migrate

        from apps.tenancy.migrating import register_schema_definitions
        from apps.tenancy.plans import register_plan_counter
        from apps.tenancy.services import on_tenant_provisioned

        from .roles import role_definitions, sync_roles_after_migrate
        from .services import first_admin_invite
        from .usage import active_users_between, sign_in_record

        # Roles are groups with permissions; they must exist in every schema (and so in the
        # template every tenant is cloned from) as soon as the permissions do.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
        # a change to the roles reaches every schema at the next migrate_schemas
        register_schema_definitions(self.label, role_definitions)
        on_tenant_provisioned(first_admin_invite)
        # each month's sign-ins, for the plan and the partner's usage
        user_logged_in.connect(sign_in_record, dispatch_uid="accounts.monthly_sign_in")
        register_plan_counter("active_users", active_users_between)
        # each signed-in browser session, listed and ended on /account/sessions/
        from .sessions.records import signed_in, signed_out

        user_logged_in.connect(signed_in, dispatch_uid="accounts.session_record")
        user_logged_out.connect(signed_out, dispatch_uid="accounts.session_record_end")
