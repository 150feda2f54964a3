from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_home, name="audit-home"),
    path("audit/packs/", views.pack_request, name="audit-pack-request"),
    path("audit/packs/<str:pack_id>/download/", views.pack_download, name="audit-pack-download"),
    path("audit/chain/verify/", views.chain_check, name="audit-chain-check"),
]
