"""Routing (docs/ai/routing.md): among the people who may work an exception's queue, the one
who decided the same code fastest (median of their last cases, at least three) is recommended,
stored as advice, never assigned; followed when that person resolves it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as PageClient

from apps.assistants.exceptions.routing import queue_people
from apps.assistants.exceptions.services import exception_advice_show
from apps.assistants.models import Advice
from apps.invoices.models import InvoiceException
from apps.invoices.rules import may_work
from apps.invoices.services.resolutions import exception_resolve
from tests import world
from tests.assistants.conftest import decided, history_invoice
from tests.assistants.test_exception_advice import publish_assistants
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def _decided_by(current: InvoiceException, who: Any, hours: list[float], tag: str) -> None:
    for n, h in enumerate(hours):
        decided(history_invoice(f"{tag}{n}", like=current.invoice), resolution="accept_variance",
                by=who, invoiced="47.00", days_ago=30 - n, hours=h)  # fmt: skip


@pytest.fixture
def current(aporg: Any, receive: Any, in_tenant: Any) -> InvoiceException:
    """The buyer decides in 2-4 hours, an AP manager in 10-20, a clerk twice only."""
    with in_tenant(aporg.tenant):
        exception = world.price_exception(aporg, receive, "R-1")
        _decided_by(exception, aporg.buyer, [2, 3, 4], "B")
        _decided_by(exception, aporg.apmanager, [10, 12, 20], "M")
        _decided_by(exception, aporg.clerk, [1, 30], "C")
    return exception


def test_the_fastest_person_with_enough_cases_is_recommended_and_not_assigned(
    aporg: Any, current: InvoiceException, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        advice = exception_advice_show(current, user=aporg.apmanager, routing=True)
        assert advice is not None
        routing = advice["routing"]
        assert routing["recommended"] == {
            "id": aporg.buyer.pk,
            "email": aporg.buyer.email,
            "name": aporg.buyer.get_full_name() or aporg.buyer.email,
        }
        # the others' hours: 10, 12, 20 (manager) and 1, 30 (clerk) → median 12
        assert (routing["median_hours"], routing["cases"], routing["others_median_hours"]) == (
            3.0, 3, 12.0,
        )  # fmt: skip
        assert routing["confidence"] == 1.0 and routing["already_assigned"] is False
        stored = Advice.objects.get(assistant="routing", subject_id=str(current.pk))
        assert stored.shown_to_id == aporg.apmanager.pk and stored.confidence == 1.0
        current.refresh_from_db()
        assert current.assignee_id is None  # advice only


def test_the_people_are_those_who_may_work_the_queue(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        for queue in ("buyer", "compliance", "ap"):
            found = {u.pk for u in queue_people(queue)}
            people = [aporg.clerk, aporg.apmanager, aporg.buyer, aporg.receiver, aporg.compliance]
            assert {u.pk for u in people if may_work(u, queue)} <= found
            assert all(may_work(u, queue) for u in queue_people(queue))


def test_no_one_is_recommended_without_three_cases_or_once_they_left(
    aporg: Any, receive: Any, current: InvoiceException, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        aporg.buyer.is_active = False
        aporg.buyer.save(update_fields=["is_active"])
        advice = exception_advice_show(current, user=aporg.apmanager, routing=True)
        assert advice is not None
        # the manager is next, but decided slower than the others' median: not recommended
        assert advice["routing"] is None
        assert not Advice.objects.filter(assistant="routing").exists()


def test_routing_switched_off_keeps_the_case_advice(
    aporg: Any, current: InvoiceException, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        publish_assistants(aporg, routing={"enabled": False, "threshold": 0.5})
        advice = exception_advice_show(current, user=aporg.apmanager, routing=True)
    assert advice is not None and advice["routing"] is None
    assert advice["suggested_resolution"] == "accept_variance"


def test_the_page_shows_the_recommendation_and_the_outcome_is_recorded(
    aporg: Any,
    current: InvoiceException,
    in_tenant: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = PageClient(HTTP_HOST=host_of(aporg.tenant))
    with in_tenant(aporg.tenant):
        page.force_login(aporg.apmanager)
    panel = page.get(f"/assistants/exceptions/{current.pk}/advice/").content.decode()
    who = aporg.buyer.get_full_name() or aporg.buyer.email
    assert f"Recommended owner: {who}," in panel
    with in_tenant(aporg.tenant):
        with django_capture_on_commit_callbacks(execute=True):
            exception_resolve(
                actor=aporg.buyer, exception_id=current.pk, resolution="accept_variance"
            )
        routed = Advice.objects.get(assistant="routing", subject_id=str(current.pk))
    assert routed.status == "followed"
    assert routed.outcome_detail == {
        "resolution": "accept_variance",
        "decided_by": aporg.buyer.email,
    }
