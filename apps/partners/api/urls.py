"""The partner API (public host, /api/v1/partner/…)."""

from django.urls import URLPattern, path

from .lifecycle import TenantExportView, TenantOffboardCancelView, TenantOffboardView

urlpatterns: list[URLPattern] = []
# on tenant hosts (/api/v1/…): the client's side
tenant_urlpatterns: list[URLPattern] = []

# tenant lifecycle: offboarding, its cancel, the export
urlpatterns += [
    path(
        "partner/tenants/<str:slug>/offboard/",
        TenantOffboardView.as_view(),
        name="partner-tenant-offboard",
    ),
    path(
        "partner/tenants/<str:slug>/offboard/cancel/",
        TenantOffboardCancelView.as_view(),
        name="partner-tenant-offboard-cancel",
    ),
    path(
        "partner/tenants/<str:slug>/export/",
        TenantExportView.as_view(),
        name="partner-api-tenant-export",
    ),
]
