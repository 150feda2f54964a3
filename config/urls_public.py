"""URLs of the public host (localhost): the partner console and the partner API."""

from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from apps.accounts.urls import urlpatterns as auth_pages
from apps.api.docs import ApiDocsView

api_v1: list[URLPattern | URLResolver] = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.tenancy.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/partner/", permanent=False)),
    *auth_pages,
    path("", include("apps.tenancy.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]
