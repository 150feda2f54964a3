from django.urls import path

from . import views

urlpatterns = [
    path("invoices/mail/", views.mail_list, name="invoice-mail-list-page"),
    path("invoices/mail/<uuid:mail_id>/", views.mail_detail, name="invoice-mail-page"),
]
