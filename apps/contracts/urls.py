from django.urls import path

from . import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list-page"),
    path("contracts/new/", views.contract_new, name="contract-new-page"),
    path("contracts/catalog/", views.catalog_search, name="catalog-search"),
    path("contracts/<uuid:contract_id>/", views.contract_detail, name="contract-page"),
    path(
        "contracts/<uuid:contract_id>/document/",
        views.contract_document,
        name="contract-document-file",
    ),
]
