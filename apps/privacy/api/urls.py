from rest_framework.routers import SimpleRouter

from .views import ErasureRequestViewSet

router = SimpleRouter()
router.register("privacy/erasure-requests", ErasureRequestViewSet, basename="erasure-request")
urlpatterns = router.urls
