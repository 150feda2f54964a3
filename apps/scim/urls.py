"""/scim/v2/ (config/urls_tenant.py): SCIM paths have no trailing slash (RFC 7644 §3.2)."""

from django.urls import path

from . import views

urlpatterns = [
    path("Users", views.UsersView.as_view(), name="scim-users"),
    path("Users/<str:user_id>", views.UserView.as_view(), name="scim-user"),
    path("Groups", views.GroupsView.as_view(), name="scim-groups"),
    path("Groups/<str:group_id>", views.GroupView.as_view(), name="scim-group"),
    path(
        "ServiceProviderConfig",
        views.ServiceProviderConfigView.as_view(),
        name="scim-service-provider-config",
    ),
    path("ResourceTypes", views.ResourceTypesView.as_view(), name="scim-resource-types"),
    path("ResourceTypes/<str:name>", views.ResourceTypesView.as_view(), name="scim-resource-type"),
    path("Schemas", views.SchemasView.as_view(), name="scim-schemas"),
    path("Schemas/<str:urn>", views.SchemasView.as_view(), name="scim-schema"),
]
