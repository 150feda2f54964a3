"""URLs of a client tenant's host (acme.localhost, …)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from apps.accounts.api.urls import tenant_urlpatterns as account_tenant_api
from apps.accounts.api.urls import urlpatterns as account_api
from apps.accounts.mfa.passkeys.urls import urlpatterns as passkey_pages
from apps.accounts.mfa.urls import urlpatterns as two_step_pages
from apps.accounts.sessions.urls import tenant_urlpatterns as user_session_pages
from apps.accounts.sessions.urls import urlpatterns as session_pages
from apps.accounts.urls import tenant_urlpatterns as account_pages
from apps.accounts.urls import urlpatterns as auth_pages
from apps.api.docs import ApiDocsView, ApiRedocView, ApiSchemaView
from apps.integrations.api.urls import export_urlpatterns as erp_export_api
from apps.partners.api.urls import tenant_urlpatterns as partner_tenant_api
from apps.partners.urls import tenant_urlpatterns as partner_tenant_pages
from apps.portal.components import components, components_feedback
from apps.tenancy.devmail import mail_detail, mail_list
from apps.tenancy.urls import tenant_urlpatterns as brand_pages

api_v1: list[URLPattern | URLResolver] = [
    *account_api,
    *account_tenant_api,
    path("", include("apps.organization.api.urls")),
    path("", include("apps.audit.api.urls")),
    path("", include("apps.privacy.api.urls")),
    path("", include("apps.assurance.api.urls")),
    path("", include("apps.assistants.spend.api")),  # requisitions/suggest/ before {id}/
    path("", include("apps.procurement.api.urls")),
    path("", include("apps.contracts.api.urls")),
    path("", include("apps.workflow.api.urls")),
    path("", include("apps.policies.api.urls")),
    path("", include("apps.suppliers.api.urls")),
    path("", include("apps.inbox.api")),  # invoices/mail/ before invoices/{id}/
    *erp_export_api,  # invoices/export/ before invoices/{id}/
    path("", include("apps.assistants.reading.api")),  # invoices/extract/ before invoices/{id}/
    path("", include("apps.invoices.api.urls")),
    path("", include("apps.payments.api.urls")),
    path("", include("apps.integrations.api.urls")),
    path("", include("apps.insights.api.urls")),
    path("", include("apps.alerts.api.urls")),
    path("", include("apps.retention.api.urls")),  # legal-holds/
    path("", include(partner_tenant_api)),
    path("", include("apps.identity.api.urls")),
]

urlpatterns = [
    *auth_pages,
    path("", include("apps.identity.urls")),
    *two_step_pages,  # a tenant user's authenticator, its code, the step-up prompt
    path("", include("apps.portal.urls")),
    path("", include("apps.assistants.spend.views")),
    path("", include("apps.procurement.urls")),
    path("", include("apps.contracts.urls")),
    path("", include("apps.workflow.urls")),
    path("", include("apps.policies.urls")),
    path("", include("apps.suppliers.urls")),
    path("", include("apps.inbox.urls")),
    path("", include("apps.assistants.reading.urls")),
    path("", include("apps.invoices.urls")),
    path("", include("apps.payments.urls")),
    path("", include("apps.assurance.urls")),
    path("", include("apps.integrations.urls")),
    path("", include("apps.insights.urls")),
    path("", include("apps.monitoring.urls")),
    path("", include("apps.assistants.exceptions.urls")),
    path("", include("apps.assistants.answers.urls")),
    path("", include("apps.assistants.urls")),  # /settings/assistants/
    path("", include("apps.retention.urls")),  # /settings/retention/
    path("", include(partner_tenant_pages)),
    *account_pages,
    *passkey_pages,
    *session_pages,
    *user_session_pages,
    *brand_pages,
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("scim/v2/", include("apps.scim.urls")),  # SCIM 2.0 provisioning (not under /api/)
    path("api/schema/", ApiSchemaView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", ApiRedocView.as_view(url_name="schema"), name="api-redoc"),
    # development only (DEV_MAIL_VIEWER); 404 otherwise
    path("dev/mail/", mail_list, name="dev-mail"),
    path("dev/mail/<str:name>", mail_detail, name="dev-mail-detail"),
    # development only (DEV_COMPONENTS); 404 otherwise
    path("dev/components/", components, name="dev-components"),
    path("dev/components/feedback/", components_feedback, name="dev-components-feedback"),
]

handler500 = "apps.api.errors.server_error"
