from django.urls import path

from . import views

urlpatterns = [
    path("tasks/", views.inbox, name="inbox"),
    path("tasks/<uuid:task_id>/<str:verb>/", views.decide, name="task-decide"),
]
