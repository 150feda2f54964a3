from django.urls import path

from . import views

urlpatterns = [
    path("requisitions/", views.requisition_list, name="requisitions-page"),
    path("requisitions/new/", views.requisition_new, name="requisition-new-page"),
    path("requisitions/new/totals/", views.requisition_totals, name="requisition-totals-page"),
    path("requisitions/new/pick/", views.requisition_pick, name="requisition-pick-page"),
    path("requisitions/new/line/", views.requisition_line_row, name="requisition-line-page"),
    path("requisitions/<uuid:requisition_id>/", views.requisition_detail, name="requisition-page"),
    path(
        "requisitions/<uuid:requisition_id>/<str:verb>/",
        views.requisition_action,
        name="requisition-action-page",
    ),
    path("purchase-orders/", views.purchase_order_list, name="purchase-orders-page"),
    path(
        "purchase-orders/<uuid:order_id>/",
        views.purchase_order_detail,
        name="purchase-order-page",
    ),
    path(
        "purchase-orders/<uuid:order_id>/receive/",
        views.purchase_order_receive,
        name="purchase-order-receive-page",
    ),
    path(
        "supplier-portal/purchase-orders/<uuid:order_id>/acknowledge/",
        views.portal_acknowledge,
        name="supplier-portal-acknowledge",
    ),
    path("supplier-portal/purchase-orders/", views.portal_orders, name="supplier-portal-orders"),
]
