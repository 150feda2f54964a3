from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("language/", views.language_choose, name="language-choose"),
    path("invite/<str:uidb64>/<str:token>/", views.invitation_accept, name="invite-accept"),
]
tenant_urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/users/<int:user_id>/roles/", views.user_roles_update, name="user-roles"),
    path("settings/users/<int:user_id>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("settings/users/<int:user_id>/reactivate/", views.user_reactivate, name="user-reactivate"),
]
