from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import grant_to_compliance_after_migrate

        # the legal-hold capability is this app's permission, held by the compliance role
        post_migrate.connect(grant_to_compliance_after_migrate, sender=self)
