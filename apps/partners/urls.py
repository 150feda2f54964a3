"""Pages of the partner's operating model on the public host (/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (the client's side: approving support access, the managed-policy notice)
tenant_urlpatterns: list[URLPattern] = []

# usage and plans
from .usage import views as usage_views  # noqa: E402

urlpatterns += [
    path("partner/usage/", usage_views.usage_page, name="partner-usage-page"),
    path("partner/usage/<str:slug>/plan/", usage_views.plan_update, name="partner-plan-update"),
]
