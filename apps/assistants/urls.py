from django.urls import path

from . import views

urlpatterns = [
    path("settings/assistants/", views.assistants_page, name="assistants-page"),
    path("settings/assistants/spend/retrain/", views.spend_retrain, name="assistants-retrain"),
]
