"""The partner API (public host, /api/v1/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (/api/v1/…): the client's side
tenant_urlpatterns: list[URLPattern] = []

# policy templates, staged rollout and drift (apps/partners/policy_templates)
from apps.partners.policy_templates import api as _templates  # noqa: E402

urlpatterns += [
    path("partner/templates/", _templates.TemplateListView.as_view(), name="partner-templates"),
    path(
        "partner/templates/<int:pk>/",
        _templates.TemplateDetailView.as_view(),
        name="partner-template",
    ),
    path(
        "partner/templates/<int:pk>/versions/",
        _templates.TemplateVersionView.as_view(),
        name="partner-template-versions",
    ),
    path(
        "partner/templates/<int:pk>/preview/",
        _templates.TemplatePreviewView.as_view(),
        name="partner-template-preview",
    ),
    path(
        "partner/templates/<int:pk>/publish/",
        _templates.TemplatePublishView.as_view(),
        name="partner-template-publish",
    ),
    path("partner/drift/", _templates.DriftView.as_view(), name="partner-drift"),
]
