"""The partner API (public host, /api/v1/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (/api/v1/…): the client's side
tenant_urlpatterns: list[URLPattern] = []

# --------------------------------------------------------------------------- support access
from rest_framework.routers import SimpleRouter  # noqa: E402

from ..support.api import AccessGrantViewSet, AccessRequestListCreateView  # noqa: E402

urlpatterns += [
    path(
        "partner/access-requests/",
        AccessRequestListCreateView.as_view(),
        name="partner-access-requests",
    ),
]
_support_router = SimpleRouter()
_support_router.register("access-grants", AccessGrantViewSet, basename="access-grant")
tenant_urlpatterns += [p for p in _support_router.urls if isinstance(p, URLPattern)]
