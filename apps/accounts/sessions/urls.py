from django.urls import path

from . import views

# on every host: a person's own sessions
urlpatterns = [
    path("account/sessions/", views.own_sessions, name="account-sessions"),
]
# tenant hosts: the admin's view of one person's sessions
tenant_urlpatterns = [
    path("settings/users/<int:user_id>/sessions/", views.user_sessions, name="user-sessions"),
]
