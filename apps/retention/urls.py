from django.urls import path

from . import views

urlpatterns = [
    path("settings/retention/", views.retention_page, name="retention-page"),
]
