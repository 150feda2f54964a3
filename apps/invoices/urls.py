from django.urls import path

from . import views

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoices-page"),
    path("invoices/import/", views.invoice_import, name="invoice-import-page"),
    path("invoices/import/template.csv", views.csv_template, name="invoice-csv-template"),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice-page"),
    path("invoices/<uuid:invoice_id>/file/", views.invoice_file, name="invoice-file-page"),
    path("exceptions/", views.exception_list, name="exceptions-page"),
    path("exceptions/<uuid:exception_id>/", views.exception_detail, name="exception-page"),
    path("supplier-portal/invoices/", views.portal_invoices, name="supplier-portal-invoices"),
    path(
        "supplier-portal/invoices/submit/",
        views.portal_invoice_submit,
        name="portal-invoice-submit",
    ),
]
