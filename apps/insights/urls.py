from django.urls import path

from . import process_views

urlpatterns: list = [
    path("insights/process/", process_views.process_page, name="insights-process-page"),
    path(
        "insights/process/cases/",
        process_views.process_cases_page,
        name="insights-process-cases-page",
    ),
]
