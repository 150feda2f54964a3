"""Pages of the partner's operating model on the public host (/partner/…)."""

from django.urls import URLPattern, path

from apps.partners.people import views as people_views
from apps.partners.policy_templates import views as templates

from . import lifecycle_views
from .sandbox.views import sandbox_new, sandbox_promote_page
from .sso import views as sso_views
from .support import views as support_views
from .usage import views as usage_views

urlpatterns: list[URLPattern] = [
    # tenant lifecycle: offboarding and its export
    path(
        "partner/tenants/<str:slug>/offboard/",
        lifecycle_views.offboard,
        name="partner-tenant-offboard-page",
    ),
    path(
        "partner/tenants/<str:slug>/export/",
        lifecycle_views.export_download,
        name="partner-tenant-export",
    ),
    # policy templates, staged rollout and drift (apps/partners/policy_templates)
    path("partner/templates/", templates.template_list, name="partner-templates-page"),
    path("partner/templates/<int:pk>/", templates.template_detail, name="partner-template-page"),
    path(
        "partner/templates/<int:pk>/publish/",
        templates.template_publish,
        name="partner-template-publish-page",
    ),
    # sandbox tenants (apps/partners/sandbox)
    path("partner/tenants/<str:slug>/sandboxes/", sandbox_new, name="partner-sandbox-new"),
    path(
        "partner/tenants/<str:slug>/promote/", sandbox_promote_page, name="partner-sandbox-promote"
    ),
]
# on tenant hosts (the client's side: approving support access, the managed-policy notice)
tenant_urlpatterns: list[URLPattern] = []

# --------------------------------------------------------------------------- support access
urlpatterns += [
    path("partner/support/", support_views.partner_support, name="partner-support"),
    path(
        "partner/support/<int:grant_id>/open/",
        support_views.partner_support_open,
        name="partner-support-open",
    ),
]
tenant_urlpatterns += [
    path(
        "settings/support-access/",
        support_views.tenant_support_access,
        name="tenant-support-access",
    ),
    path("support/enter/<str:ticket>/", support_views.support_enter, name="support-enter"),
]
# usage and plans

urlpatterns += [
    path("partner/usage/", usage_views.usage_page, name="partner-usage-page"),
    path("partner/usage/<str:slug>/plan/", usage_views.plan_update, name="partner-plan-update"),
]
# partner people (apps/partners/people)

urlpatterns += [
    path("partner/people/", people_views.people, name="partner-people"),
    path(
        "partner/people/<int:user_id>/role/", people_views.role_change, name="partner-people-role"
    ),
    path("partner/people/<int:user_id>/remove/", people_views.remove, name="partner-people-remove"),
    path(
        "partner/people/<int:user_id>/reset-mfa/",
        people_views.mfa_reset,
        name="partner-people-mfa-reset",
    ),
]

# the console's own single sign-on (apps/partners/sso), its service provider below /partner/sso/
urlpatterns += [
    path("partner/sso/", sso_views.sso_settings, name="partner-sso"),
    path("partner/sso/test/", sso_views.sso_test, name="partner-sso-test"),
    path("partner/sso/enforcement/", sso_views.sso_enforcement, name="partner-sso-enforcement"),
    path("partner/sso/login/", sso_views.sso_login, name="partner-sso-login"),
    path("partner/sso/oidc/callback/", sso_views.oidc_callback, name="partner-sso-oidc-callback"),
    path("partner/sso/saml/acs/", sso_views.saml_acs, name="partner-sso-saml-acs"),
    path("partner/sso/saml/metadata/", sso_views.saml_metadata, name="partner-sso-saml-metadata"),
]
