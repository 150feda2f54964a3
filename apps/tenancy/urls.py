from django.urls import path

from . import views

urlpatterns = [
    path("partner/", views.console, name="partner-console"),
    path("partner/tenants/<str:slug>/", views.tenant_detail, name="partner-tenant"),
    path("partner/tenants/<str:slug>/status/", views.tenant_status, name="partner-tenant-status"),
    path("partner/tenants/<str:slug>/logo", views.tenant_logo, name="partner-tenant-logo"),
]
tenant_urlpatterns = [path("branding/logo", views.logo, name="brand-logo")]
