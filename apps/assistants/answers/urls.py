from django.urls import path

from . import views

urlpatterns = [
    path("supplier-portal/questions/", views.portal_question_ask, name="supplier-portal-ask"),
    path(
        "supplier-portal/questions/<uuid:question_id>/person/",
        views.portal_question_escalate,
        name="supplier-portal-ask-a-person",
    ),
    path("supplier-questions/", views.question_list, name="supplier-questions-page"),
    path(
        "supplier-questions/<uuid:question_id>/reply/",
        views.question_reply,
        name="supplier-question-reply-page",
    ),
]
