"""The partner API (public host, /api/v1/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (/api/v1/…): the client's side
tenant_urlpatterns: list[URLPattern] = []

# usage and plans
from ..usage import api as usage_api  # noqa: E402

urlpatterns += [
    path("partner/usage/", usage_api.UsageView.as_view(), name="partner-usage"),
    path("partner/tenants/<str:slug>/plan/", usage_api.PlanView.as_view(), name="partner-plan"),
]
