"""Pages of the partner's operating model on the public host (/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (the client's side: approving support access, the managed-policy notice)
tenant_urlpatterns: list[URLPattern] = []

# --------------------------------------------------------------------------- support access
from .support import views as support_views  # noqa: E402

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
