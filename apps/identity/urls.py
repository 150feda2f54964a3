from django.urls import path

from . import pages, views

urlpatterns = [
    path("sso/login/", views.sso_login, name="sso-login"),
    path("sso/test/start/", views.sso_test_start, name="sso-test-start"),
    path("sso/oidc/callback/", views.oidc_callback, name="sso-oidc-callback"),
    path("sso/saml/acs/", views.saml_acs, name="sso-saml-acs"),
    path("sso/saml/metadata/", views.saml_metadata, name="sso-saml-metadata"),
    path("settings/sso/", pages.sso_settings, name="sso-settings"),
    path("settings/sso/test/", pages.sso_test, name="sso-test"),
    path("settings/sso/enforcement/", pages.sso_enforcement, name="sso-enforcement"),
]
