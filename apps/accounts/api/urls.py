from django.urls import path

from .views import MeView, ObtainTokenView, UserListInviteView

urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="api-token")]
tenant_urlpatterns = [
    path("users/", UserListInviteView.as_view(), name="api-users"),
    path("me/", MeView.as_view(), name="api-me"),
]
