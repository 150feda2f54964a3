from django.urls import path

from .process import ProcessMapView

urlpatterns: list = [
    path("insights/process/", ProcessMapView.as_view(), name="insights-process"),
]
