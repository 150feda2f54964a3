from rest_framework.routers import SimpleRouter

from .views import ExceptionViewSet, InvoiceViewSet

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("exceptions", ExceptionViewSet, basename="exception")
urlpatterns = router.urls
