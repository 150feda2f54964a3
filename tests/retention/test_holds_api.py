"""`legal-holds/`: compliance places and releases holds; everyone else is refused."""

from __future__ import annotations

from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.retention.models import LegalHold
from tests.conftest import count_queries

from .conftest import years_ago

pytestmark = pytest.mark.django_db


def test_compliance_places_lists_and_releases_a_hold(
    aporg: Any, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(aporg.tenant, aporg.compliance)
    placed = api.post(
        "/api/v1/legal-holds/",
        {"scope": "supplier", "supplier": str(aporg.supplier.pk), "reason": "Lawsuit 2026-17"},
        format="json",
    )
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert body["status"] == "active" and body["subject_label"] == "Contoso GmbH"
    assert body["placed_by"] == aporg.compliance.email
    listed = api.get("/api/v1/legal-holds/?status=active").json()
    assert [h["id"] for h in listed["results"]] == [body["id"]]
    released = api.post(f"/api/v1/legal-holds/{body['id']}/release/", {"reason": "Settled"})
    assert released.status_code == 200 and released.json()["status"] == "released"
    again = api.post(f"/api/v1/legal-holds/{body['id']}/release/", {})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    with in_tenant(aporg.tenant):
        actions = list(
            AuditEvent.objects.filter(subject_type="legal_hold", subject_id=str(body["id"]))
            .order_by("id")
            .values_list("action", "actor")
        )
    assert actions == [
        ("legal_hold.placed", aporg.compliance.email),
        ("legal_hold.released", aporg.compliance.email),
    ]


@pytest.mark.parametrize("role", ["tenant_admin", "ap_manager", "auditor"])
def test_only_compliance_places_or_releases(
    role: str, aporg: Any, api_for: Any, make_user: Any, in_tenant: Any
) -> None:
    person = make_user(aporg.tenant, f"not-{role}", [role])
    officer = api_for(aporg.tenant, aporg.compliance)
    hold = officer.post(
        "/api/v1/legal-holds/",
        {"scope": "invoice", "invoice": "00000000-0000-0000-0000-000000000000", "reason": "x"},
        format="json",
    )
    assert hold.status_code == 422 and hold.json()["code"] == "validation_error"
    placed = officer.post(
        "/api/v1/legal-holds/",
        {"scope": "period", "period_from": "2015-01-01", "period_to": "2015-12-31", "reason": "y"},
        format="json",
    ).json()
    api = api_for(aporg.tenant, person)
    refused = api.post(
        "/api/v1/legal-holds/",
        {"scope": "supplier", "supplier": str(aporg.supplier.pk), "reason": "Mine"},
        format="json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    release = api.post(f"/api/v1/legal-holds/{placed['id']}/release/", {})
    assert release.status_code == 403 and release.json()["code"] == "permission_denied"
    with in_tenant(aporg.tenant):
        assert LegalHold.objects.get(pk=placed["id"]).status == "active"
        assert LegalHold.objects.count() == 1


def test_a_requester_reads_no_holds(aporg: Any, api_for: Any) -> None:
    response = api_for(aporg.tenant, aporg.org.requester).get("/api/v1/legal-holds/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "period", "reason": "no dates"}, "period_from"),
        (
            {"scope": "period", "period_from": "2020-02-01", "period_to": "2020-01-01",
             "reason": "r"},
            "period_to",
        ),
        (
            {"scope": "period", "period_from": "2020-01-01", "period_to": "2020-02-01",
             "legal_entity": "ZZ99", "reason": "r"},
            "legal_entity",
        ),
        ({"scope": "supplier", "reason": "whose?"}, "supplier"),
    ],
)  # fmt: skip
def test_a_hold_that_names_nothing_is_refused(
    body: dict[str, Any], field: str, aporg: Any, api_for: Any
) -> None:
    response = api_for(aporg.tenant, aporg.compliance).post(
        "/api/v1/legal-holds/", body, format="json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"], response.json()


def test_another_tenants_hold_is_not_found(
    aporg: Any, api_for: Any, make_user: Any, tenant_b: Any
) -> None:
    placed = (
        api_for(aporg.tenant, aporg.compliance)
        .post(
            "/api/v1/legal-holds/",
            {"scope": "period", "period_from": "2015-01-01", "period_to": "2015-12-31",
             "reason": "A's"},
            format="json",
        )
        .json()
    )  # fmt: skip
    other = api_for(tenant_b, make_user(tenant_b, "compliance", ["compliance"]))
    assert other.get(f"/api/v1/legal-holds/{placed['id']}/").status_code == 404
    assert other.post(f"/api/v1/legal-holds/{placed['id']}/release/", {}).status_code == 404
    assert other.get("/api/v1/legal-holds/").json()["results"] == []


def test_the_list_costs_the_same_queries_for_more_holds(
    aporg: Any, api_for: Any, in_tenant: Any
) -> None:
    from apps.retention.services.holds import legal_hold_place

    api = api_for(aporg.tenant, aporg.compliance)

    def place(n: int) -> None:
        with in_tenant(aporg.tenant):
            for i in range(n):
                legal_hold_place(
                    actor=aporg.compliance,
                    scope="period",
                    period_from=years_ago(12),
                    period_to=years_ago(11),
                    legal_entity="DE01",
                    reason=f"Case {i}",
                )

    place(2)
    few = count_queries(lambda: api.get("/api/v1/legal-holds/"))
    place(8)
    many = count_queries(lambda: api.get("/api/v1/legal-holds/"))
    assert many == few


def test_the_page_shows_periods_and_lets_compliance_place_a_hold(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    from django.test import Client as Browser

    from tests.conftest import PASSWORD, host_of

    browser = Browser(HTTP_HOST=host_of(aporg.tenant))
    browser.post("/login/", {"username": aporg.compliance.email, "password": PASSWORD})
    page = browser.get("/settings/retention/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "DE01 (DE)" in text and "10 years" in text and "7 years" in text
    placed = browser.post(
        "/settings/retention/",
        {"scope": "supplier", "supplier": str(aporg.supplier.pk), "reason": "Subpoena"},
        follow=True,
    )
    assert "The legal hold is placed." in placed.content.decode()
    refused = browser.post(
        "/settings/retention/", {"scope": "supplier", "reason": "x"}, follow=True
    )
    assert "Name a supplier of this tenant." in refused.content.decode()
    with in_tenant(aporg.tenant):
        assert LegalHold.objects.filter(reason="Subpoena").count() == 1
    requester = Browser(HTTP_HOST=host_of(aporg.tenant))
    requester.post("/login/", {"username": aporg.org.requester.email, "password": PASSWORD})
    assert requester.get("/settings/retention/").status_code == 403
