from django.urls import path

from . import draft_views, views

urlpatterns = [
    path("invoices/mail/", views.mail_list, name="invoice-mail-list-page"),
    path("invoices/mail/drafts/", draft_views.draft_list, name="invoice-mail-drafts-page"),
    path(
        "invoices/mail/drafts/<uuid:draft_id>/",
        draft_views.draft_detail,
        name="invoice-mail-draft-page",
    ),
    path(
        "invoices/mail/drafts/<uuid:draft_id>/file/",
        draft_views.draft_file,
        name="invoice-mail-draft-file",
    ),
    path("invoices/mail/<uuid:mail_id>/", views.mail_detail, name="invoice-mail-page"),
]
