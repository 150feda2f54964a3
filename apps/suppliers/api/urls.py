from rest_framework.routers import SimpleRouter

from .views import BankAccountViewSet, ScreeningHitViewSet, SupplierViewSet

router = SimpleRouter()
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("bank-accounts", BankAccountViewSet, basename="bank-account")
router.register("screening-hits", ScreeningHitViewSet, basename="screening-hit")
urlpatterns = router.urls
