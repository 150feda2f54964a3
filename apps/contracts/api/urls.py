from rest_framework.routers import SimpleRouter

from .views import CatalogItemViewSet, ContractViewSet

router = SimpleRouter()
router.register("contracts", ContractViewSet, basename="contract")
router.register("catalog-items", CatalogItemViewSet, basename="catalog-item")
urlpatterns = router.urls
