"""/scim/v2/ (config/urls_tenant.py): SCIM paths have no trailing slash; one is accepted."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^Users/?$", views.UsersView.as_view(), name="scim-users"),
    re_path(r"^Users/(?P<user_id>[^/]+)/?$", views.UserView.as_view(), name="scim-user"),
    re_path(r"^Groups/?$", views.GroupsView.as_view(), name="scim-groups"),
    re_path(r"^Groups/(?P<group_id>[^/]+)/?$", views.GroupView.as_view(), name="scim-group"),
    re_path(
        r"^ServiceProviderConfig/?$",
        views.ServiceProviderConfigView.as_view(),
        name="scim-service-provider-config",
    ),
    re_path(r"^ResourceTypes/?$", views.ResourceTypesView.as_view(), name="scim-resource-types"),
    re_path(
        r"^ResourceTypes/(?P<name>[^/]+)/?$",
        views.ResourceTypesView.as_view(),
        name="scim-resource-type",
    ),
    re_path(r"^Schemas/?$", views.SchemasView.as_view(), name="scim-schemas"),
    re_path(r"^Schemas/(?P<urn>[^/]+)/?$", views.SchemasView.as_view(), name="scim-schema"),
]
