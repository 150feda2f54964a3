from django.urls import path
from rest_framework.routers import SimpleRouter

from .erp import (
    ErpConnectionViewSet,
    ErpEventsView,
    InboundEventViewSet,
    ReconciliationRunViewSet,
    ServiceAccountViewSet,
    WebhookDeliveryViewSet,
)
from .export import InvoiceExportView
from .views import WebhookEndpointViewSet

router = SimpleRouter()
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("erp-connections", ErpConnectionViewSet, basename="erp-connection")
router.register("erp-events", InboundEventViewSet, basename="erp-event")
router.register("erp-reconciliations", ReconciliationRunViewSet, basename="erp-reconciliation")
router.register("service-accounts", ServiceAccountViewSet, basename="service-account")
urlpatterns = [
    path("erp/events/", ErpEventsView.as_view(), name="erp-events-inbound"),
    *router.urls,
]

# ERP out: ahead of the invoice router (config/urls_tenant.py), which would take `export` for
# an invoice's id
export_urlpatterns = [
    path("invoices/export/", InvoiceExportView.as_view(), name="invoice-export"),
]
