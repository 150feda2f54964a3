from django.urls import path

from . import views

urlpatterns = [
    path("invoices/read/", views.invoice_read, name="invoice-read-page"),
    path("supplier-portal/invoices/read/", views.invoice_read, name="portal-invoice-read"),
]
