from rest_framework.routers import SimpleRouter

from .views import AuditEventViewSet, EvidencePackViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("evidence-packs", EvidencePackViewSet, basename="evidence-pack")
urlpatterns = router.urls
