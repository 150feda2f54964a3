from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.privacy.registry import register_erasure_check
        from apps.tenancy.migrating import register_schema_definitions

        from .roles import grant_to_compliance_after_migrate, holder_definitions
        from .selectors import erasure_blocked_by_hold

        # the legal-hold capability is this app's permission, held by the compliance role
        post_migrate.connect(grant_to_compliance_after_migrate, sender=self)
        register_schema_definitions(self.label, holder_definitions)
        # a held supplier's contacts stay as they are until the hold is released
        register_erasure_check(erasure_blocked_by_hold)
