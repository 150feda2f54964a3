"""Spend coding (apps/assistants/spend): fixed words give fixed suggestions; a suggestion below
the policy's threshold fills nothing in; a tenant that switches it off gets none; every
suggestion shown is stored; only selectable suppliers are ever suggested; the requester's
choice is recorded against the advice when the form is saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as BrowserClient

from apps.assistants.models import Advice, TrainedModel
from apps.assistants.spend.model import SpendModel
from apps.assistants.spend.suggest import cost_center_for
from apps.assistants.spend.tasks import spend_model_retrain_task
from apps.assistants.spend.training import department_of, model_build
from apps.assistants.store import model_save
from apps.procurement.models import Requisition
from apps.suppliers.models import Supplier
from tests.conftest import PASSWORD, count_queries, host_of
from tests.org import Org, supplier_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]
DOCKS = {"title": "3 docking stations for new hires", "lines": [{"description": "USB-C dock"}]}
SELECTED = re.compile(r"<option[^>]*\bselected\b")


def _policy(org: Org, in_tenant: Any, **spend_coding: Any) -> None:
    from apps.policies.document import DEFAULT_POLICY
    from apps.policies.services import policy_draft_create, policy_publish

    with in_tenant(org.tenant):
        document = {**DEFAULT_POLICY, "assistants": {"spend_coding": spend_coding}}
        policy_publish(
            actor=org.admin, version=policy_draft_create(actor=org.admin, document=document)
        )


def _browser(org: Org, user: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST=host_of(org.tenant))
    assert browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code
    return browser


def _panel(browser: BrowserClient, title: str, **form: Any) -> str:
    body = {"title": title, "justification": "", "line_description": [""], **form}
    response = browser.post("/assistants/spend/suggest/", body)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("title", "category"),
    [
        ("3 docking stations for new hires", "IT-HW"),
        ("Drei Bürostühle für das Lager", "FAC"),
        ("Stand au salon professionnel de Lyon", "MKT"),
        ("Renovación de licencias de software antivirus", "IT-SW"),
        ("Penetration test of the web shop", "SRV"),
    ],
)
def test_fixed_words_get_their_category_from_the_cold_start(
    org: Org, api_for: Any, title: str, category: str
) -> None:
    response = api_for(org.tenant, org.requester).post(
        "/api/v1/requisitions/suggest/", {"title": title}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["spend_category"]["code"] == category


def test_the_answer_has_the_contract_shape_and_is_stored_as_advice(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(org.tenant, org.requester)
    body = api.post("/api/v1/requisitions/suggest/", DOCKS, format="json").json()
    assert set(body) == {
        *("spend_category", "cost_center", "supplier", "model"),
        *("reasons", "preselect", "threshold", "advice_id"),
    }
    assert set(body["spend_category"]) == {"code", "confidence"}
    assert body["spend_category"]["code"] == "IT-HW"
    assert 0.6 <= body["spend_category"]["confidence"] <= 1
    assert "docking" in body["reasons"]["spend_category"]
    assert body["model"] == "spend_coding:cold-start"
    assert body["supplier"] is None  # the tenant has no catalog, contract or history
    assert body["preselect"]["spend_category"] is True and body["threshold"] == 0.6
    api.post("/api/v1/requisitions/suggest/", DOCKS, format="json")
    with in_tenant(org.tenant):
        advice = Advice.objects.get(pk=body["advice_id"])
        assert advice.assistant == "spend_coding" and advice.subject_type == "draft"
        assert advice.shown_to == org.requester and advice.status == "shown"
        assert advice.output["spend_category"]["code"] == "IT-HW"
        assert Advice.objects.count() == 2  # one per call


def test_a_person_who_may_not_create_requisitions_gets_no_suggestion(
    org: Org, api_for: Any
) -> None:
    response = api_for(org.tenant, org.receiver).post(
        "/api/v1/requisitions/suggest/", DOCKS, format="json"
    )
    assert response.status_code == 403


def test_a_tenant_that_switches_spend_coding_off_gets_none(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    _policy(org, in_tenant, enabled=False)
    response = api_for(org.tenant, org.requester).post(
        "/api/v1/requisitions/suggest/", DOCKS, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "assistant_off"
    assert _panel(_browser(org, org.requester), DOCKS["title"]) == ""
    with in_tenant(org.tenant):
        assert not Advice.objects.exists()


def test_the_form_fills_in_at_the_threshold_and_never_below(org: Org, in_tenant: Any) -> None:
    browser = _browser(org, org.requester)
    html = _panel(browser, DOCKS["title"], spend_category="FAC", cost_center="CC-100")
    # FAC is the form's first option, nobody chose it: the sure suggestion replaces it
    assert re.search(r'<option value="IT-HW" selected>', html)
    assert "Suggested spend category" in html and "docking" in html

    _policy(org, in_tenant, enabled=True, threshold=0.99)
    html = _panel(browser, DOCKS["title"], spend_category="FAC", cost_center="CC-100")
    assert "Suggested spend category" in html and "IT hardware" in html
    assert not SELECTED.search(html)  # shown, never pre-filled below the threshold


def test_a_field_the_requester_chose_is_not_overwritten(org: Org) -> None:
    browser = _browser(org, org.requester)
    html = _panel(browser, DOCKS["title"], spend_category="SRV", spend_prev_spend_category="IT-HW")
    assert "IT hardware" in html and not SELECTED.search(html)
    # "Use this" takes the suggestion because the person asks for it
    html = _panel(browser, DOCKS["title"], spend_category="SRV", spend_apply="1")
    assert re.search(r'<option value="IT-HW" selected>', html)


def test_saving_the_form_records_followed_or_overridden(org: Org, in_tenant: Any) -> None:
    browser = _browser(org, org.requester)
    advice_ids = []
    for category in ("IT-HW", "SRV"):
        html = _panel(browser, DOCKS["title"])
        advice_id = re.search(r'name="spend_advice_id" value="([^"]+)"', html)
        assert advice_id is not None
        advice_ids.append(advice_id.group(1))
        response = browser.post(
            "/requisitions/new/",
            {
                "title": DOCKS["title"],
                "currency": "USD",
                "cost_center": "CC-100",
                "spend_category": category,
                "legal_entity": "US01",
                "supplier": "",
                "line_description": ["USB-C dock"],
                "line_quantity": ["3"],
                "line_unit_price": ["149.00"],
                "spend_advice_id": advice_id.group(1),
                "save": "1",
            },
        )
        assert response.status_code == 302
    with in_tenant(org.tenant):
        followed, overridden = (Advice.objects.get(pk=pk) for pk in advice_ids)
        assert Requisition.objects.count() == 2
        assert followed.status == "followed" and followed.outcome_by == org.requester
        assert overridden.status == "overridden"
        assert overridden.outcome_detail["spend_category"] == "SRV"


def test_only_a_selectable_supplier_is_ever_suggested(
    org: Org, in_tenant: Any, api_for: Any
) -> None:
    selectable = supplier_for(org, in_tenant, "Northwind Office Supply")
    blocked = supplier_for(org, in_tenant, "Blocked Toner Ltd")
    sanctioned = supplier_for(org, in_tenant, "Sanctioned Paper SA")
    with in_tenant(org.tenant):
        Supplier.objects.filter(pk=blocked).update(status=Supplier.Status.BLOCKED)
        Supplier.objects.filter(pk=sanctioned).update(screening=Supplier.Screening.CONFIRMED_MATCH)
        texts = ["toner cartridge"] * 10 + ["copy paper"] * 10 + ["office chair"] * 10
        suppliers = [blocked] * 10 + [sanctioned] * 10 + [selectable] * 10
        categories = ["FAC"] * 30
        model = SpendModel(kind="tenant", samples=30).fit(
            texts, {"spend_category": categories, "supplier": suppliers}
        )
        model_save("spend_coding", model, samples=30, metrics={"kind": "tenant"})
    api = api_for(org.tenant, org.requester)
    answers = {
        text: api.post("/api/v1/requisitions/suggest/", {"title": text}, format="json").json()
        for text in ("toner cartridge", "copy paper", "office chair")
    }
    assert answers["toner cartridge"]["supplier"] is None
    assert answers["copy paper"]["supplier"] is None
    assert answers["office chair"]["supplier"]["id"] == selectable
    assert answers["office chair"]["model"] == "spend_coding:v1 (tenant-trained, 30 requisitions)"


def test_the_suggestion_query_count_is_flat(org: Org, in_tenant: Any, api_for: Any) -> None:
    api = api_for(org.tenant, org.requester)
    with in_tenant(org.tenant):
        spend_model_retrain_task()
    few = {"title": "Monitor", "lines": [{"description": "27 inch monitor"}]}
    many = {"title": "Monitors", "lines": [{"description": f"Monitor {i}"} for i in range(8)]}
    api.post("/api/v1/requisitions/suggest/", few, format="json")  # the model is loaded once
    baseline = count_queries(lambda: api.post("/api/v1/requisitions/suggest/", few, format="json"))
    for name in ("A Supplies", "B Supplies", "C Supplies"):
        supplier_for(org, in_tenant, name)
    assert (
        count_queries(lambda: api.post("/api/v1/requisitions/suggest/", many, format="json"))
        == baseline
    )


def test_the_retraining_job_stores_the_next_version(org: Org, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        first = spend_model_retrain_task()
        second = spend_model_retrain_task()
        assert (first["version"], second["version"]) == (1, 2)
        assert first["kind"] == "cold-start" and first["requisitions"] == 0
        assert TrainedModel.objects.filter(assistant="spend_coding").count() == 2


def test_a_tenant_admin_may_ask_for_a_retraining_and_a_requester_may_not(
    org: Org, api_for: Any
) -> None:
    url = "/api/v1/requisitions/suggest/retrain/"
    assert api_for(org.tenant, org.admin).post(url).status_code == 202
    assert api_for(org.tenant, org.requester).post(url).status_code == 403


def test_enough_history_trains_the_cost_center_on_the_words(org: Org, in_tenant: Any) -> None:
    """The tenant-trained path, on rows as history_rows gives them."""
    rows = [
        {
            "title": title,
            "justification": "",
            "lines": [line],
            "requester_id": 1,
            "supplier_id": None,
            "spend_category__code": category,
            "cost_center__code": center,
        }
        for title, line, category, center in [
            ("Laptops for developers", "Laptop", "IT-HW", "CC-100"),
            ("Brochure printing", "Brochures", "MKT", "CC-200"),
            ("Warehouse shelving", "Shelving bay", "FAC", "CC-300"),
        ]
        * 12
    ]
    with in_tenant(org.tenant):
        model = model_build(rows)
    assert (model.kind, model.samples) == ("tenant", 36)
    predicted = model.predict("Brochure reprint for the fair", ["spend_category", "cost_center"])
    assert predicted["spend_category"] is not None and predicted["cost_center"] is not None
    assert (predicted["spend_category"].label, predicted["cost_center"].label) == ("MKT", "CC-200")


@pytest.mark.parametrize(
    ("name", "department"),
    [
        ("IT", "IT"),
        ("Marketing Europe", "Marketing"),
        ("Opérations", "Operations"),
        ("Recursos Humanos", "HR"),
        ("Board of directors", None),
        ("Digital", None),  # "it" inside a word is not IT
    ],
)
def test_a_cost_center_name_speaks_of_its_department(name: str, department: str | None) -> None:
    assert department_of(name) == department


@pytest.mark.parametrize(
    ("title", "center"),
    [
        ("Laptop for the marketing team", "CC-200"),
        ("Ordinateur portable pour l'équipe marketing", "CC-200"),
        ("Handscanner für das Lager", "CC-300"),
        ("Portátil para el equipo de desarrollo", "CC-100"),
    ],
)
def test_the_cold_start_takes_the_cost_center_from_the_department_words(
    org: Org, in_tenant: Any, title: str, center: str
) -> None:
    """A tenant without history: the cost centers named IT, Marketing and Operations learn
    their department's words, so who a purchase is for decides the cost center."""
    with in_tenant(org.tenant):
        model = model_build([])
    assert model.kind == "cold-start"
    predicted = model.predict(title, ["spend_category", "cost_center"])
    suggested, basis = cost_center_for(
        model, None, predicted["spend_category"], predicted["cost_center"]
    )
    assert suggested is not None and (suggested["code"], basis) == (center, "words")


def test_a_tenant_with_nothing_to_learn_from_trains_and_suggests_nothing(
    org: Org, in_tenant: Any
) -> None:
    """A new tenant with no active category, cost center, catalog or history yet: the nightly
    retraining stores a model that suggests nothing, instead of failing every night."""
    from apps.organization.models import CostCenter, SpendCategory

    with in_tenant(org.tenant):
        SpendCategory.objects.update(active=False)
        CostCenter.objects.update(active=False)
        assert model_build([]).predict("Laptops", ["spend_category", "cost_center"]) == {
            "spend_category": None,
            "cost_center": None,
        }
        result = spend_model_retrain_task()
        assert result["trained"] is True and result["categories"] == 0
        stored = TrainedModel.objects.filter(assistant="spend_coding").latest("version")
    assert stored.samples == 0
