"""Pages of the partner's operating model on the public host (/partner/…)."""

from django.urls import URLPattern, path

from . import lifecycle_views

urlpatterns: list[URLPattern] = []
# on tenant hosts (the client's side: approving support access, the managed-policy notice)
tenant_urlpatterns: list[URLPattern] = []

# tenant lifecycle: offboarding and its export
urlpatterns += [
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
]
