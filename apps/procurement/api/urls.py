from rest_framework.routers import SimpleRouter

from .views import PurchaseOrderViewSet, RequisitionViewSet

router = SimpleRouter()
router.register("requisitions", RequisitionViewSet, basename="requisition")
router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
urlpatterns = router.urls
