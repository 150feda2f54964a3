from django.urls import path

from . import views

# public host only: two-step sign-in is the partner console's
urlpatterns = [
    path("account/security/", views.security, name="account-security"),
    path("account/verify/", views.verify, name="account-verify"),
]
