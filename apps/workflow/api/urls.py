from rest_framework.routers import SimpleRouter

from .views import DelegationViewSet, TaskViewSet

router = SimpleRouter()
router.register("tasks", TaskViewSet, basename="task")
router.register("delegations", DelegationViewSet, basename="delegation")
urlpatterns = router.urls
