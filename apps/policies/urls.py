from django.urls import path

from . import views

urlpatterns = [
    path("settings/policies/", views.policy_list, name="policies-page"),
    path("settings/policies/new/", views.policy_new_draft, name="policy-new-page"),
    path("settings/policies/validate/", views.policy_validate, name="policy-validate-page"),
    path("settings/policies/diff/", views.policy_diff, name="policy-diff-page"),
    path("settings/policies/<int:number>/", views.policy_detail, name="policy-page"),
    path(
        "settings/policies/<int:number>/simulate/",
        views.policy_simulate,
        name="policy-simulate-page",
    ),
    path("settings/policies/<int:number>/impact/", views.policy_impact, name="policy-impact-page"),
]
