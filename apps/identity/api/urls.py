from django.urls import path

from .views import SsoTestView, SsoView

urlpatterns = [
    path("sso/", SsoView.as_view(), name="api-sso"),
    path("sso/test/", SsoTestView.as_view(), name="api-sso-test"),
]
