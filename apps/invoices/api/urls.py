from rest_framework.routers import SimpleRouter

from .statements import StatementViewSet
from .views import ExceptionViewSet, GoodsReceiptViewSet, InvoiceViewSet, PaymentRunViewSet

router = SimpleRouter()
router.register("goods-receipts", GoodsReceiptViewSet, basename="goods-receipt")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("exceptions", ExceptionViewSet, basename="exception")
router.register("payment-runs", PaymentRunViewSet, basename="payment-run")
router.register("payments/statements", StatementViewSet, basename="payment-statement")
urlpatterns = router.urls
