"""The partner API (public host, /api/v1/partner/…)."""

from django.urls import URLPattern, path
from rest_framework.routers import SimpleRouter

from apps.partners.people import api as people_api
from apps.partners.policy_templates import api as templates

from ..sandbox.api import SandboxListCreateView, SandboxPromoteView
from ..support.api import AccessGrantViewSet, AccessRequestListCreateView
from ..usage import api as usage_api
from .lifecycle import TenantExportView, TenantOffboardCancelView, TenantOffboardView

urlpatterns: list[URLPattern] = [
    # tenant lifecycle: offboarding, its cancel, the export
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
    # policy templates, staged rollout and drift (apps/partners/policy_templates)
    path("partner/templates/", templates.TemplateListView.as_view(), name="partner-templates"),
    path(
        "partner/templates/<int:pk>/",
        templates.TemplateDetailView.as_view(),
        name="partner-template",
    ),
    path(
        "partner/templates/<int:pk>/versions/",
        templates.TemplateVersionView.as_view(),
        name="partner-template-versions",
    ),
    path(
        "partner/templates/<int:pk>/preview/",
        templates.TemplatePreviewView.as_view(),
        name="partner-template-preview",
    ),
    path(
        "partner/templates/<int:pk>/publish/",
        templates.TemplatePublishView.as_view(),
        name="partner-template-publish",
    ),
    path("partner/drift/", templates.DriftView.as_view(), name="partner-drift"),
    # sandbox tenants (apps/partners/sandbox)
    path("partner/sandboxes/", SandboxListCreateView.as_view(), name="partner-sandboxes"),
    path(
        "partner/sandboxes/<str:slug>/promote/",
        SandboxPromoteView.as_view(),
        name="partner-sandbox-promote",
    ),
]
# on tenant hosts (/api/v1/…): the client's side
tenant_urlpatterns: list[URLPattern] = []

# --------------------------------------------------------------------------- support access

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
# usage and plans

urlpatterns += [
    path("partner/usage/", usage_api.UsageView.as_view(), name="partner-usage"),
    path("partner/tenants/<str:slug>/plan/", usage_api.PlanView.as_view(), name="partner-plan"),
]
# partner people (apps/partners/people)

urlpatterns += [
    path("partner/users/", people_api.PartnerUserListView.as_view(), name="partner-users"),
    path(
        "partner/users/<int:user_id>/",
        people_api.PartnerUserDetailView.as_view(),
        name="partner-user",
    ),
    path(
        "partner/users/<int:user_id>/remove/",
        people_api.PartnerUserRemoveView.as_view(),
        name="partner-user-remove",
    ),
    path(
        "partner/users/<int:user_id>/reset-mfa/",
        people_api.PartnerUserMfaResetView.as_view(),
        name="partner-user-mfa-reset",
    ),
]
