"""Pages of the partner's operating model on the public host (/partner/…)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
# on tenant hosts (the client's side: approving support access, the managed-policy notice)
tenant_urlpatterns: list[URLPattern] = []
