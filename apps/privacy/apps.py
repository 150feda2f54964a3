from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "apps.privacy"
    label = "privacy"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from apps.accounts.models import User
        from apps.audit.personal import forget_people, register_people

        from .people import USERS, everyone
        from .registry import register_person_kind

        register_person_kind("user", USERS)
        register_people(everyone)

        # the audit trail's index of people, read once per transaction, is read again after a
        # person is added or renamed in it (a cache, not a domain flow)
        def _forget(**_: object) -> None:
            forget_people()

        post_save.connect(
            _forget, sender=User, weak=False, dispatch_uid="privacy.forget_people.user"
        )
