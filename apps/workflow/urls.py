from django.urls import path

from . import views

urlpatterns = [
    path("tasks/", views.inbox, name="inbox"),
    path("tasks/out-of-office/", views.out_of_office, name="out-of-office"),
    path("tasks/<uuid:task_id>/<str:verb>/", views.decide, name="task-decide"),
    # single-use approve/reject links from e-mail and Teams (apps/workflow/links.py)
    path("approvals/<str:token>/", views.approval_link, name="approval-link"),
]
