from django.urls import path

from . import approval_views, process_views, views

urlpatterns = [
    path("insights/", views.insights_home, name="insights-page"),
    path("insights/tolerance-draft/", views.tolerance_draft_page, name="insights-tolerance-draft"),
    path("insights/approvals/", approval_views.approvals_page, name="insights-approvals-page"),
    path("insights/process/", process_views.process_page, name="insights-process-page"),
    path(
        "insights/process/cases/",
        process_views.process_cases_page,
        name="insights-process-cases-page",
    ),
]
