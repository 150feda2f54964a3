"""The partner API (public host, /api/v1/partner/…)."""

from django.urls import URLPattern, path

urlpatterns: list[URLPattern] = []
# on tenant hosts (/api/v1/…): the client's side
tenant_urlpatterns: list[URLPattern] = []

# partner people (apps/partners/people)
from apps.partners.people import api as people_api  # noqa: E402

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
