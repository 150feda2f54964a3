from django.urls import path

from . import views

urlpatterns = [
    path("payments/", views.payment_runs, name="payment-runs-page"),
    path("payments/<uuid:run_id>/", views.payment_run_detail, name="payment-run-page"),
]
