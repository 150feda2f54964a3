from django.urls import path

from . import access_views, views

urlpatterns = [
    path("settings/integrations/", views.integrations, name="integrations-page"),
    path("settings/integrations/chat/", views.chat_approvals, name="integrations-chat"),
    # Slack's request URL for the approval buttons: signed by Slack, no session
    path("integrations/slack/interactions/", views.slack_interactions, name="slack-interactions"),
    path(
        "settings/integrations/endpoints/<uuid:endpoint_id>/<str:verb>/",
        views.endpoint_action,
        name="integrations-endpoint-action",
    ),
    path(
        "settings/integrations/deliveries/<uuid:delivery_id>/retry/",
        views.delivery_retry,
        name="integrations-delivery-retry",
    ),
    path(
        "settings/integrations/<str:kind>/<uuid:pk>/<str:verb>/",
        access_views.access_action,
        name="integrations-access-action",
    ),
    path(
        "settings/integrations/reconcile/",
        access_views.reconcile_now,
        name="integrations-reconcile",
    ),
]
