from django.urls import path

from ..models import Client
from .views import (
    PartnerInsightsView,
    TenantBrandingView,
    TenantDetailView,
    TenantListCreateView,
    TenantStatusView,
)

urlpatterns = [
    path("partner/insights/", PartnerInsightsView.as_view(), name="partner-insights"),
    path("partner/tenants/", TenantListCreateView.as_view(), name="partner-tenants"),
    path("partner/tenants/<str:slug>/", TenantDetailView.as_view(), name="partner-tenant-detail"),
    path(
        "partner/tenants/<str:slug>/branding/",
        TenantBrandingView.as_view(),
        name="partner-branding",
    ),
    path(
        "partner/tenants/<str:slug>/suspend/",
        TenantStatusView.as_view(target_status=Client.Status.SUSPENDED),
        name="partner-suspend",
    ),
    path(
        "partner/tenants/<str:slug>/reactivate/",
        TenantStatusView.as_view(target_status=Client.Status.ACTIVE),
        name="partner-reactivate",
    ),
]
