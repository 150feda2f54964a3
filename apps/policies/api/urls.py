from rest_framework.routers import SimpleRouter

from .views import PolicyVersionViewSet

router = SimpleRouter()
router.register("policies", PolicyVersionViewSet, basename="policy")
urlpatterns = router.urls
