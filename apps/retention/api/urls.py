from rest_framework.routers import SimpleRouter

from .views import LegalHoldViewSet

router = SimpleRouter()
router.register("legal-holds", LegalHoldViewSet, basename="legal-hold")
urlpatterns = router.urls
