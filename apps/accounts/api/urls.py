from django.urls import path

from .views import ObtainTokenView, UserListInviteView

urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="api-token")]
tenant_urlpatterns = [path("users/", UserListInviteView.as_view(), name="api-users")]
