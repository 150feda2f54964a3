from django.urls import path

from . import views

urlpatterns = [
    path(
        "assistants/exceptions/<uuid:exception_id>/advice/",
        views.exception_advice_panel,
        name="exception-advice-panel",
    ),
]
