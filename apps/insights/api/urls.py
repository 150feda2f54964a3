from django.urls import path

from .process import ProcessMapView
from .views import InsightsView

urlpatterns = [
    path("insights/", InsightsView.as_view(), name="insights"),
    path("insights/process/", ProcessMapView.as_view(), name="insights-process"),
]
