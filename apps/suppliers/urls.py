from django.urls import path

from . import views

urlpatterns = [
    path("suppliers/", views.supplier_list, name="suppliers-page"),
    path("suppliers/invite/", views.supplier_invite, name="supplier-invite-page"),
    path("suppliers/screening/", views.screening_queue, name="screening-queue-page"),
    path(
        "suppliers/screening/<int:hit_id>/resolve/",
        views.screening_resolve,
        name="screening-resolve-page",
    ),
    path(
        "suppliers/bank-accounts/<uuid:account_id>/<str:action>/",
        views.bank_account_action,
        name="bank-account-action-page",
    ),
    path("suppliers/<uuid:supplier_id>/", views.supplier_detail, name="supplier-page"),
    path(
        "suppliers/<uuid:supplier_id>/documents/<uuid:document_id>/download/",
        views.supplier_document_download,
        name="supplier-document-page",
    ),
    path("supplier-portal/", views.portal_home, name="supplier-portal"),
    path("supplier-portal/accept/<str:token>/", views.portal_accept, name="supplier-portal-accept"),
    path(
        "supplier-portal/documents/<uuid:document_id>/download/",
        views.portal_document_download,
        name="supplier-portal-document",
    ),
    # the portal's forms; its orders and invoices are procurement's and invoices' pages
    *(
        path(
            f"supplier-portal/{action}/",
            views.portal_action,
            {"action": action},
            name=f"supplier-portal-{action}",
        )
        for action in ("profile", "documents", "bank-accounts", "submit")
    ),
]
