"""URLs of the public host (localhost): the partner console and the partner API."""

from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from apps.accounts.mfa.passkeys.urls import urlpatterns as passkey_pages
from apps.accounts.mfa.urls import urlpatterns as two_step_pages
from apps.accounts.sessions.urls import urlpatterns as session_pages
from apps.accounts.urls import urlpatterns as auth_pages
from apps.api.docs import ApiDocsView, ApiRedocView, ApiSchemaView
from apps.monitoring.urls import partner_urlpatterns as operations_pages
from apps.tenancy.devmail import mail_detail, mail_list

api_v1: list[URLPattern | URLResolver] = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.tenancy.api.urls")),
    path("", include("apps.partners.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/partner/", permanent=False)),
    *auth_pages,
    *two_step_pages,
    *passkey_pages,
    *session_pages,
    path("", include("apps.tenancy.urls")),
    path("", include("apps.partners.urls")),
    *operations_pages,
    path("api/v1/", include(api_v1)),
    path("api/schema/", ApiSchemaView.as_view(urlconf="config.urls_public"), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", ApiRedocView.as_view(url_name="schema"), name="api-redoc"),
    # development only (DEV_MAIL_VIEWER); 404 otherwise
    path("dev/mail/", mail_list, name="dev-mail"),
    path("dev/mail/<str:name>", mail_detail, name="dev-mail-detail"),
]

handler500 = "apps.api.errors.server_error"
