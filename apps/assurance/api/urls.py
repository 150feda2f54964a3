from rest_framework.routers import SimpleRouter

from .views import EvidencePackViewSet

router = SimpleRouter()
router.register("evidence-packs", EvidencePackViewSet, basename="evidence-pack")
urlpatterns = router.urls
