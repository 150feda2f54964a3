from django.urls import path

from . import views

urlpatterns = [
    path("insights/", views.insights_home, name="insights-page"),
    path("insights/tolerance-draft/", views.tolerance_draft_page, name="insights-tolerance-draft"),
]
