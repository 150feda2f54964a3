from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_home, name="audit-home"),
    path("audit/packs/", views.pack_request, name="audit-pack-request"),
    path("audit/packs/<str:pack_id>/download/", views.pack_download, name="audit-pack-download"),
    path("audit/chain/verify/", views.chain_check, name="audit-chain-check"),
    path("audit/reports/", views.report_generate, name="audit-report-generate"),
    path("audit/reports/<str:report_id>/<str:kind>/", views.report_file, name="audit-report-file"),
    path("audit/access-review/", views.access_review_page, name="audit-access-review"),
    path("audit/policies/", views.policy_history, name="audit-policies"),
    path("audit/policies/diff/", views.policy_version_diff, name="audit-policy-diff"),
    path("audit/policies/<int:number>/", views.policy_version_view, name="audit-policy-version"),
]
