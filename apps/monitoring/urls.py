from django.urls import path

from . import views

urlpatterns = [
    path("settings/operations/", views.tenant_operations, name="operations-page"),
]
partner_urlpatterns = [
    path("partner/operations/", views.partner_operations, name="partner-operations"),
]
