"""Policy versions for tenant admins: drafts, validation, publication, diff, simulator, and
the impact preview over the last 90 days."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.policies.document import DEFAULT_POLICY
from apps.procurement.models import Requisition
from tests.org import Org, requisition_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]


def _submitted(org: Org, api_for: Any, total: str, **extra: Any) -> str:
    api = api_for(org.tenant, org.requester)
    draft = api.post(
        "/api/v1/requisitions/", requisition_body(total=total, **extra), format="json"
    ).json()
    assert api.post(f"/api/v1/requisitions/{draft['id']}/submit/").status_code == 200
    return str(draft["id"])


def _raised_threshold() -> dict[str, Any]:
    document = copy.deepcopy(DEFAULT_POLICY)
    document["rules"][0]["when"] = "amount <= 2500.0 && supplier.risk != 'high'"
    return document


def test_draft_publish_and_old_decisions_keep_their_version(org: Org, api_for: Any) -> None:
    admin = api_for(org.tenant, org.admin)
    old = _submitted(org, api_for, "2000.00")  # v1: manager approves
    draft = admin.post(
        "/api/v1/policies/",
        {"document": _raised_threshold(), "note": "raise auto limit"},
        format="json",
    )
    assert (
        draft.status_code == 201
        and draft.json()["status"] == "draft"
        and draft.json()["number"] == 2
    )
    published = admin.post("/api/v1/policies/2/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    versions = {v["number"]: v["status"] for v in admin.get("/api/v1/policies/").json()["results"]}
    assert versions == {1: "retired", 2: "published"}
    new = _submitted(org, api_for, "2000.00")
    requester = api_for(org.tenant, org.requester)
    assert requester.get(f"/api/v1/requisitions/{old}/").json()["policy_version"] == "v1"
    after = requester.get(f"/api/v1/requisitions/{new}/").json()
    # approved at once under v2 (it names no supplier, so it waits for a buyer to choose one)
    assert after["policy_version"] == "v2" and after["status"] == "approved"
    edit = admin.patch("/api/v1/policies/2/", {"document": DEFAULT_POLICY}, format="json")
    assert edit.status_code == 409 and edit.json()["code"] == "invalid_transition"


def test_invalid_drafts_are_refused_with_field_errors(org: Org, api_for: Any) -> None:
    admin = api_for(org.tenant, org.admin)
    document = copy.deepcopy(DEFAULT_POLICY)
    document["rules"][1]["when"] = "amount <<< 3"
    response = admin.post("/api/v1/policies/", {"document": document}, format="json")
    assert response.status_code == 422 and "rules[1].when" in response.json()["errors"]
    check = admin.post("/api/v1/policies/validate/", {"document": document}, format="json").json()
    assert check["valid"] is False and "rules[1].when" in check["errors"]
    assert admin.post(
        "/api/v1/policies/validate/", {"document": DEFAULT_POLICY}, format="json"
    ).json()["valid"]


def test_only_tenant_admins_manage_policies(org: Org, api_for: Any) -> None:
    for user in (org.requester, org.manager, org.finance):
        api = api_for(org.tenant, user)
        assert api.get("/api/v1/policies/").status_code == 403
        assert (
            api.post("/api/v1/policies/", {"document": DEFAULT_POLICY}, format="json").status_code
            == 403
        )


def test_diff_names_the_changed_rule(org: Org, api_for: Any) -> None:
    admin = api_for(org.tenant, org.admin)
    document = _raised_threshold()
    document["settings"]["budget_mode"] = "warn"
    document["rules"].insert(0, {"id": "marketing", "when": "category == 'MKT'", "steps": []})
    admin.post("/api/v1/policies/", {"document": document}, format="json")
    diff = admin.get("/api/v1/policies/diff/?from=1&to=2").json()
    assert [r["id"] for r in diff["added"]] == ["marketing"]
    assert diff["removed"] == []
    changed = {c["id"]: c for c in diff["changed"]}
    assert changed["auto-approve-small"]["fields"] == ["when"]
    assert (
        changed["cost-center-manager"]["moved"] is True
        and changed["cost-center-manager"]["fields"] == []
    )
    assert diff["settings"] == {"budget_mode": {"before": "block", "after": "warn"}}
    assert admin.get("/api/v1/policies/diff/?from=1&to=99").status_code == 404


def test_simulator_routes_a_requisition_with_a_draft(org: Org, api_for: Any) -> None:
    admin = api_for(org.tenant, org.admin)
    api = api_for(org.tenant, org.requester)
    draft = api.post(
        "/api/v1/requisitions/", requisition_body(total="2000.00"), format="json"
    ).json()
    admin.post("/api/v1/policies/", {"document": _raised_threshold()}, format="json")
    current = admin.post(
        "/api/v1/policies/1/simulate/", {"requisition": draft["id"]}, format="json"
    ).json()
    proposed = admin.post(
        "/api/v1/policies/2/simulate/", {"requisition": draft["id"]}, format="json"
    ).json()
    assert current["route"]["rule"] == "cost-center-manager" and current["route"]["steps"][0][
        "approvers"
    ] == [org.manager.email]
    assert (
        proposed["route"]["rule"] == "auto-approve-small"
        and proposed["route"]["auto_approved"] is True
    )
    assert current["facts"]["amount"] == 2000.0
    # simulating changes nothing
    assert api.get(f"/api/v1/requisitions/{draft['id']}/").json()["status"] == "draft"


def test_impact_preview_lists_exactly_the_requisitions_whose_route_changes(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    would_change = {_submitted(org, api_for, total) for total in ("1500.00", "2400.00")}
    unchanged = {_submitted(org, api_for, total) for total in ("500.00", "3000.00", "30000.00")}
    too_old = _submitted(org, api_for, "2000.00")
    with in_tenant(org.tenant):
        Requisition.objects.filter(pk=too_old).update(
            submitted_at=timezone.now() - timedelta(days=91)
        )
    admin = api_for(org.tenant, org.admin)
    admin.post("/api/v1/policies/", {"document": _raised_threshold()}, format="json")
    impact = admin.get("/api/v1/policies/2/impact/").json()
    assert impact["considered"] == 5 and impact["window_days"] == 90
    assert {row["id"] for row in impact["changed"]} == would_change
    assert not would_change & unchanged
    row = next(r for r in impact["changed"] if r["amount"] == "1500.00")
    assert (
        row["before"]["rule"] == "cost-center-manager"
        and row["after"]["rule"] == "auto-approve-small"
    )


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("amont > 1000.0", ["Unknown name `amont` at column 1", "Did you mean `amount`?"]),
        ('supplier.rsk == "high"', ["Unknown field `rsk` at column 10", "`risk`"]),
        ('amount > "1000"', ["`>` at column 8 cannot combine a number with a text"]),
        ("amount >> 3", ["Not valid CEL", "column 9"]),
    ],
)
def test_a_condition_typo_is_explained_by_rule_and_column(
    org: Org, api_for: Any, when: str, says: list[str]
) -> None:
    document = copy.deepcopy(DEFAULT_POLICY)
    document["rules"][1]["when"] = when
    rule_id = document["rules"][1]["id"]
    admin = api_for(org.tenant, org.admin)
    check = admin.post("/api/v1/policies/validate/", {"document": document}, format="json").json()
    [message] = check["errors"]["rules[1].when"]
    assert message.startswith(f"Rule {rule_id}: ")
    for phrase in says:
        assert phrase in message
    for internal in ("Activation", "NameContainer", "celtypes", "Token(", "Referent"):
        assert internal not in message
