from django.urls import path

from . import stepup_pages, views

# on the public host (partner users) and every tenant host (tenant users)
urlpatterns = [
    path("account/security/", views.security, name="account-security"),
    path("account/verify/", views.verify, name="account-verify"),
    path("account/step-up/", stepup_pages.step_up, name="account-step-up"),
]
