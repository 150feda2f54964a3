"""The partner API (public host, /api/v1/partner/…)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
# on tenant hosts (/api/v1/…): the client's side
tenant_urlpatterns: list[URLPattern] = []
