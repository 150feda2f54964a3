from django.urls import path

from . import reference, views

urlpatterns = [
    path("", views.home, name="home"),
    path("notices/<int:notice_id>/dismiss/", views.notice_dismiss, name="notice-dismiss"),
    path("settings/reference-data/", reference.reference_data, name="reference-data"),
    path(
        "settings/reference-data/paying-accounts/<str:code>/",
        reference.paying_account_edit,
        name="paying-account-edit",
    ),
    path(
        "settings/reference-data/<str:kind>/<int:pk>/",
        reference.reference_edit,
        name="reference-edit",
    ),
]
