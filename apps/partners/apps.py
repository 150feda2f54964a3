from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    label = "partners"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from apps.tenancy.partner_pages import PartnerPage, partner_page_register

        from .usage.registration import register as usage_register

        usage_register()
        # the console's menu (apps.tenancy.partner_pages): each page for the roles that open it
        for page in (
            PartnerPage(
                "templates", "/partner/templates/", _("Policy templates"), "manage_templates"
            ),
            PartnerPage(
                "support", "/partner/support/", _("Support access"), "request_support_access"
            ),
            PartnerPage("usage", "/partner/usage/", _("Usage"), "view_usage"),
        ):
            partner_page_register(page)
