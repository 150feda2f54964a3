from rest_framework.routers import SimpleRouter

from .views import BudgetViewSet, CostCenterViewSet, LegalEntityViewSet, SpendCategoryViewSet

router = SimpleRouter()
router.register("legal-entities", LegalEntityViewSet, basename="legal-entity")
router.register("cost-centers", CostCenterViewSet, basename="cost-center")
router.register("spend-categories", SpendCategoryViewSet, basename="spend-category")
router.register("budgets", BudgetViewSet, basename="budget")
urlpatterns = router.urls
