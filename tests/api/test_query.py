"""Schema and validation agree (docs/api.md, "Errors"): what the published schema forbids is a
400, and only that; a schema-valid request refused for its values is a 422. The list filters
and the pagination are declared in the schema and read through apps/api/query.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.org import Org, requisition_body

pytestmark = pytest.mark.django_db


def _refused(response: Any, *names: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert set(body["errors"]) == set(names)


@pytest.mark.parametrize(
    "query",
    [
        "status=zzz",
        "status=",
        "status=draft&status=approved",
        "page_size=null",
        "page_size=0",
        "page_size=201",
        "page_size=1.5",
        "page=0",
        "page=two",
    ],
)
def test_a_list_refuses_a_value_its_schema_forbids(org: Org, api_for: Any, query: str) -> None:
    api = api_for(org.tenant, org.requester)
    name = query.split("=")[0]
    _refused(api.get(f"/api/v1/requisitions/?{query}"), name)


def test_every_filter_is_checked_against_its_declaration(org: Org, api_for: Any) -> None:
    api = api_for(org.tenant, org.admin)
    _refused(api.get("/api/v1/suppliers/?risk=extreme&compliance=maybe"), "risk", "compliance")
    _refused(api.get("/api/v1/invoices/?supplier=not-an-id"), "supplier")
    _refused(api.get("/api/v1/exceptions/?assignee=someone"), "assignee")
    _refused(api.get("/api/v1/contracts/spend/?from=2026-02-30&to=20261231"), "from", "to")
    _refused(api.get(f"/api/v1/invoices/?supplier={'a' * 32}"), "supplier")  # no hyphens
    _refused(api.get("/api/v1/invoices/export/?posted=yes&format="), "posted", "format")
    _refused(api.get("/api/v1/policies/diff/?from=1"), "to")
    _refused(api.get(f"/api/v1/tasks/?subject_type={'x' * 201}"), "subject_type")


def test_schema_valid_filters_and_pages_are_accepted(org: Org, api_for: Any) -> None:
    api = api_for(org.tenant, org.requester)
    created = api.post("/api/v1/requisitions/", requisition_body(), format="json")
    assert created.status_code == 201
    drafts = api.get("/api/v1/requisitions/?status=draft&page_size=200&page=1&q=")
    assert drafts.status_code == 200 and drafts.json()["count"] == 1
    none = api.get("/api/v1/requisitions/?status=approved")
    assert none.status_code == 200 and none.json()["count"] == 0
    past_the_end = api.get("/api/v1/requisitions/?page=9")
    assert past_the_end.status_code == 404
    # a detail or an action takes no filter: one sent is not read, so it cannot hide the record
    detail = api.get(f"/api/v1/requisitions/{created.json()['id']}/?status=zzz")
    assert detail.status_code == 200


def test_the_schema_declares_each_lists_filters_on_the_list_only(api_for: Any) -> None:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)
    paths = json.loads(OpenApiJsonRenderer().render(generated))["paths"]

    def query(path: str, method: str = "get") -> dict[str, Any]:
        return {
            p["name"]: p["schema"]
            for p in paths[path][method].get("parameters", [])
            if p["in"] == "query"
        }

    listed = query("/api/v1/requisitions/")
    assert "pending_approval" in listed["status"]["enum"] and "zzz" not in listed["status"]["enum"]
    assert listed["page_size"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert listed["q"]["maxLength"] == 200
    assert query("/api/v1/suppliers/")["risk"]["enum"] == ["high", "low", "medium"]
    assert query("/api/v1/invoices/")["supplier"]["format"] == "uuid"
    assert query("/api/v1/requisitions/{id}/") == {}
    assert query("/api/v1/requisitions/{id}/submit/", "post") == {}


def test_a_schema_violation_is_400_and_a_refusal_of_values_is_422(org: Org, api_for: Any) -> None:
    api = api_for(org.tenant, org.requester)
    missing = api.post("/api/v1/requisitions/", requisition_body(title=None), format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "validation_error"
    assert "title" in missing.json()["errors"]
    wrong_type = api.post(
        "/api/v1/requisitions/",
        requisition_body(lines=[{"description": "x", "quantity": "many", "unit_price": "1"}]),
        format="json",
    )
    assert wrong_type.status_code == 400
    # schema-valid, but no such cost center here: refused for its value
    unknown = api.post(
        "/api/v1/requisitions/", requisition_body(cost_center="CC-999"), format="json"
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "validation_error"
    assert "cost_center" in unknown.json()["errors"]


def test_wrong_credentials_are_401(tenant_a: Any, api_for: Any) -> None:
    wrong = api_for(tenant_a).post(
        "/api/v1/auth/token/", {"username": "nobody@x.test", "password": "x"}, format="json"
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"


def test_a_period_half_given_is_a_refusal_of_values_and_a_form_is_not_json(
    org: Org, api_for: Any, make_user: Any
) -> None:
    api = api_for(org.tenant, make_user(org.tenant, "auditor", ["auditor"]))
    half = {"subject_type": "", "subject_id": "", "period_start": "2026-01-01", "period_end": None}
    refused = api.post("/api/v1/evidence-packs/", half, format="json")
    assert refused.status_code == 422 and refused.json()["code"] == "validation_error"
    not_a_date = api.post("/api/v1/evidence-packs/", {**half, "period_end": ""}, format="json")
    assert not_a_date.status_code == 400 and "period_end" in not_a_date.json()["errors"]
    a_number = api.post("/api/v1/evidence-packs/", {**half, "subject_id": 0}, format="json")
    assert a_number.status_code == 400 and "subject_id" in a_number.json()["errors"]
    # a form cannot say null: the evidence-pack request is JSON only, as the schema says
    from drf_spectacular.generators import SchemaGenerator

    generated = SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)
    body = generated["paths"]["/api/v1/evidence-packs/"]["post"]["requestBody"]["content"]
    assert list(body) == ["application/json"]


def test_branding_texts_are_json_and_the_logo_a_file(partner_api: Any) -> None:
    path = "/api/v1/partner/tenants/tenanta/branding/"
    blank = partner_api.patch(path, {"accent_color": ""}, format="json")
    assert blank.status_code == 422 and "accent_color" in blank.json()["errors"]
    a_number = partner_api.patch(path, {"accent_color": 1}, format="json")
    assert a_number.status_code == 400 and "accent_color" in a_number.json()["errors"]
    # a form field cannot tell a number or null from text: the schema takes only the logo so
    as_form = partner_api.patch(path, {"accent_color": "#000000"}, format="multipart")
    assert as_form.status_code == 400 and "accent_color" in as_form.json()["errors"]
    nothing = partner_api.patch(path, {}, format="json")
    assert nothing.status_code == 400 and nothing.json()["code"] == "validation_error"
