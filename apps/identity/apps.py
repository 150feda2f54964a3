from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "apps.identity"
    label = "identity"

    def ready(self) -> None:
        from apps.accounts.sign_in_policy import register_password_guard

        from .enforcement import password_sign_in_guard

        # with SSO enforced, the password opens the door to the break-glass admin only
        register_password_guard(password_sign_in_guard)
