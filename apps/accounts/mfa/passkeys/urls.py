from django.urls import path

from . import views

# on every host: partner people on the public host, a tenant's users on its own
urlpatterns = [
    path("account/passkeys/register/options/", views.register_options, name="passkey-options"),
    path("account/passkeys/register/", views.register, name="passkey-register"),
    path("account/passkeys/verify/options/", views.verify_options, name="passkey-verify-options"),
    path("account/passkeys/verify/", views.verify, name="passkey-verify"),
    path("account/passkeys/<int:passkey_id>/remove/", views.remove, name="passkey-remove"),
]
