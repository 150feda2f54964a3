from rest_framework.routers import SimpleRouter

from .statements import StatementViewSet
from .views import PaymentRunViewSet

router = SimpleRouter()
router.register("payment-runs", PaymentRunViewSet, basename="payment-run")
router.register("payments/statements", StatementViewSet, basename="payment-statement")
urlpatterns = router.urls
