"""Pages of the partner's operating model on the public host (/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (the client's side: approving support access, the managed-policy notice)
tenant_urlpatterns: list[URLPattern] = []

# partner people (apps/partners/people)
from apps.partners.people import views as people_views  # noqa: E402

urlpatterns += [
    path("partner/people/", people_views.people, name="partner-people"),
    path(
        "partner/people/<int:user_id>/role/", people_views.role_change, name="partner-people-role"
    ),
    path("partner/people/<int:user_id>/remove/", people_views.remove, name="partner-people-remove"),
    path(
        "partner/people/<int:user_id>/reset-mfa/",
        people_views.mfa_reset,
        name="partner-people-mfa-reset",
    ),
]
