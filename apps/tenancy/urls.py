from django.urls import path

from . import views

urlpatterns = [
    path("partner/", views.console, name="partner-console"),
    path("partner/tenants/<str:slug>/", views.tenant_detail, name="partner-tenant"),
    path("partner/tenants/<str:slug>/status/", views.tenant_status, name="partner-tenant-status"),
]
tenant_urlpatterns = [path("branding/logo", views.logo, name="brand-logo")]
