from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    label = "partners"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from apps.accounts.sign_in_policy import register_password_guard
        from apps.tenancy.partner_pages import PartnerPage, partner_page_register

        from .sso.services import partner_password_guard
        from .usage.registration import register as usage_register

        usage_register()
        register_password_guard(partner_password_guard)
        # the console's menu (apps.tenancy.partner_pages): each page for the roles that open it
        for page in (
            PartnerPage(
                "templates", "/partner/templates/", _("Policy templates"), "manage_templates"
            ),
            PartnerPage(
                "support", "/partner/support/", _("Support access"), "request_support_access"
            ),
            PartnerPage("usage", "/partner/usage/", _("Usage"), "view_usage"),
            PartnerPage("sso", "/partner/sso/", _("Single sign-on"), "manage_partner_users"),
        ):
            partner_page_register(page)
