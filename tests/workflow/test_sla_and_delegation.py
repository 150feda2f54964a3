"""SLA reminders and escalations (frozen clock, run twice), business hours, out of office."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.events.models import OutboxEvent
from apps.workflow.models import ApprovalStep, ApprovalTask, Notification
from apps.workflow.services import sla_sweep
from apps.workflow.sla import add_business_hours
from tests.org import Org, requisition_body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (
            datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
            4,
            datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
        ),  # Monday
        (datetime(2026, 11, 23, 15, 0, tzinfo=UTC), 4, datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        (
            datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
            2,
            datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
        ),  # Fri → Mon
        (
            datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
            16,
            datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        ),  # Saturday
        (
            datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
            8,
            datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
        ),  # before 9
    ],
)
def test_business_hours(start: datetime, hours: float, due: datetime) -> None:
    assert add_business_hours(start, hours) == due


def _submit_mid(org: Org, api_for: Any) -> str:
    api = api_for(org.tenant, org.requester)
    draft = api.post(
        "/api/v1/requisitions/", requisition_body(total="5000.00"), format="json"
    ).json()
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    return str(draft["id"])


def test_sweep_reminds_then_escalates_once(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    boss = make_user(org.tenant, "boss", ["manager"])
    with in_tenant(org.tenant):
        org.manager.manager = boss
        org.manager.save()
    requisition_id = _submit_mid(org, api_for)
    with in_tenant(org.tenant):
        step = ApprovalStep.objects.get(route__subject_id=requisition_id)
        assert step.due_at is not None and step.opened_at is not None
        halfway = step.opened_at + (step.due_at - step.opened_at) * 0.6
        assert sla_sweep(now=step.opened_at + timedelta(minutes=1)) == {
            "reminded": 0,
            "escalated": 0,
        }
        assert sla_sweep(now=halfway) == {"reminded": 1, "escalated": 0}
        assert sla_sweep(now=halfway) == {"reminded": 0, "escalated": 0}
        assert Notification.objects.filter(user=org.manager, kind="approval.reminder").count() == 1

        breach = step.due_at + timedelta(minutes=5)
        assert sla_sweep(now=breach) == {"reminded": 0, "escalated": 1}
        assert sla_sweep(now=breach) == {"reminded": 0, "escalated": 0}
        assert sla_sweep(now=breach + timedelta(days=3)) == {"reminded": 0, "escalated": 0}
        escalated = ApprovalTask.objects.get(assignee=boss, status="open")
        assert escalated.on_behalf_of == org.manager
        assert (
            OutboxEvent.objects.filter(
                event_type="approval.escalated", subject_id=requisition_id
            ).count()
            == 1
        )
        assert Notification.objects.filter(user=boss, kind="approval.escalated").count() == 1
    # the escalation target can decide, for the manager who did not
    boss_api = api_for(org.tenant, boss)
    response = boss_api.post(f"/api/v1/tasks/{escalated.pk}/approve/", {}, format="json")
    assert response.status_code == 200
    assert (
        api_for(org.tenant, org.requester)
        .get(f"/api/v1/requisitions/{requisition_id}/")
        .json()["status"]
        == "approved"  # naming no supplier, it now waits for a buyer
    )


def test_out_of_office_reroutes_open_and_new_tasks(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    deputy = make_user(org.tenant, "deputy", ["manager"])
    first = _submit_mid(org, api_for)
    manager_api = api_for(org.tenant, org.manager)
    today = timezone.localdate()
    response = manager_api.post(
        "/api/v1/delegations/",
        {
            "delegate": deputy.email,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=5)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert manager_api.get("/api/v1/tasks/?status=open").json()["count"] == 0
    second = _submit_mid(org, api_for)
    deputy_api = api_for(org.tenant, deputy)
    tasks = deputy_api.get("/api/v1/tasks/?status=open").json()["results"]
    assert {t["subject_id"] for t in tasks} == {first, second}
    assert all(t["on_behalf_of"] == org.manager.email for t in tasks)
    task = tasks[0]
    assert (
        deputy_api.post(f"/api/v1/tasks/{task['id']}/approve/", {}, format="json").status_code
        == 200
    )
    with in_tenant(org.tenant):
        from apps.audit.models import AuditEvent

        event = AuditEvent.objects.get(action="approval.approved", subject_id=task["subject_id"])
        assert event.actor == deputy.email and event.on_behalf_of == org.manager.email


def test_delegations_in_the_past_or_to_oneself_are_refused(org: Org, api_for: Any) -> None:
    manager_api = api_for(org.tenant, org.manager)
    backwards = manager_api.post(
        "/api/v1/delegations/",
        {"delegate": org.approver.email, "starts_on": "2026-12-10", "ends_on": "2026-12-01"},
        format="json",
    )
    assert backwards.status_code == 422 and "ends_on" in backwards.json()["errors"]
    itself = manager_api.post(
        "/api/v1/delegations/",
        {"delegate": org.manager.email, "starts_on": "2026-12-01", "ends_on": "2026-12-02"},
        format="json",
    )
    assert itself.status_code == 422
    nobody = manager_api.post(
        "/api/v1/delegations/",
        {"delegate": "nobody@x.test", "starts_on": "2026-12-01", "ends_on": "2026-12-02"},
        format="json",
    )
    assert nobody.status_code == 422


def test_delegation_that_starts_later_leaves_open_tasks(
    org: Org, api_for: Any, make_user: Any
) -> None:
    deputy = make_user(org.tenant, "deputy", ["manager"])
    _submit_mid(org, api_for)
    later = date.today() + timedelta(days=10)
    manager_api = api_for(org.tenant, org.manager)
    manager_api.post(
        "/api/v1/delegations/",
        {
            "delegate": deputy.email,
            "starts_on": later.isoformat(),
            "ends_on": (later + timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert manager_api.get("/api/v1/tasks/?status=open").json()["count"] == 1


def test_out_of_office_form_and_escalation_notice_on_home(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    from django.test import Client as BrowserClient

    from tests.conftest import PASSWORD

    deputy = make_user(org.tenant, "deputy", ["manager"])
    _submit_mid(org, api_for)
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": org.manager.email, "password": PASSWORD})
    assert deputy.email.encode() in browser.get("/tasks/").content
    today = timezone.localdate()
    done = browser.post(
        "/tasks/out-of-office/",
        {
            "delegate": deputy.email,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=1)).isoformat(),
        },
        follow=True,
    )
    assert b"acts for you" in done.content
    assert api_for(org.tenant, deputy).get("/api/v1/tasks/?status=open").json()["count"] == 1
    bad = browser.post(
        "/tasks/out-of-office/",
        {"delegate": deputy.email, "starts_on": "", "ends_on": ""},
        follow=True,
    )
    assert b"Give both dates" in bad.content
    with in_tenant(org.tenant):
        step = ApprovalStep.objects.get(status="open")
        assert step.opened_at is not None and step.due_at is not None
        sla_sweep(now=step.opened_at + (step.due_at - step.opened_at) * 0.75)
    deputy_home = BrowserClient(HTTP_HOST="a.localhost")
    deputy_home.post("/login/", {"username": deputy.email, "password": PASSWORD})
    home = deputy_home.get("/").content.decode()
    assert "Reminder: an approval is waiting for you" in home
