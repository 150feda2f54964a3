from rest_framework.routers import SimpleRouter

from .receipts import GoodsReceiptViewSet
from .views import PurchaseOrderViewSet, RequisitionViewSet

router = SimpleRouter()
router.register("requisitions", RequisitionViewSet, basename="requisition")
router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
router.register("goods-receipts", GoodsReceiptViewSet, basename="goods-receipt")
urlpatterns = router.urls
