"""Pages of the partner's operating model on the public host (/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (the client's side: approving support access, the managed-policy notice)
tenant_urlpatterns: list[URLPattern] = []

# policy templates, staged rollout and drift (apps/partners/policy_templates)
from apps.partners.policy_templates import views as _templates  # noqa: E402

urlpatterns += [
    path("partner/templates/", _templates.template_list, name="partner-templates-page"),
    path("partner/templates/<int:pk>/", _templates.template_detail, name="partner-template-page"),
    path(
        "partner/templates/<int:pk>/publish/",
        _templates.template_publish,
        name="partner-template-publish-page",
    ),
]
