"""Exception advice (docs/ai/exception_advice.md): a fixed history of decided price variances
gives the expected summary figures, suggestion and confidence; nothing is suggested that the
reader may not take, nor with too little history; a tenant that switches it off gets none;
every piece shown is stored and settled when a person resolves; the assistant sends nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client as PageClient

from apps.assistants.exceptions.allowed import resolutions_allowed
from apps.assistants.exceptions.services import exception_advice_show
from apps.assistants.models import Advice
from apps.controls.refusals import ApplicationError
from apps.events.models import OutboxEvent
from apps.invoices.models import CreditNoteRequest, InvoiceException
from apps.invoices.services.resolutions import exception_resolve
from apps.policies.selectors import policy_published
from apps.policies.services import policy_draft_create, policy_publish
from tests import world
from tests.assistants.conftest import decided, history_invoice
from tests.conftest import count_queries, host_of

pytestmark = pytest.mark.django_db


def _history(current: InvoiceException, aporg: Any) -> list[InvoiceException]:
    """Three of the supplier's variances near the current one accepted, one of another
    supplier's asked a credit note for, one far larger rejected thirteen months ago."""
    like = current.invoice
    return [
        decided(history_invoice("H1", like=like), resolution="accept_variance",
                by=aporg.buyer, invoiced="46.80", days_ago=30, hours=5),
        decided(history_invoice("H2", like=like), resolution="accept_variance",
                by=aporg.buyer, invoiced="47.00", days_ago=20, hours=3),
        decided(history_invoice("H3", like=like), resolution="accept_variance",
                by=aporg.apmanager, invoiced="47.25", days_ago=10, hours=10),
        decided(history_invoice("H4"), resolution="request_credit_note",
                by=aporg.clerk, invoiced="50.40", days_ago=5, hours=2),
        decided(history_invoice("H5", like=like), resolution="reject_invoice",
                by=aporg.apmanager, invoiced="58.50", days_ago=400, hours=30),
    ]  # fmt: skip


@pytest.fixture
def case(aporg: Any, receive: Any, in_tenant: Any) -> Any:
    with in_tenant(aporg.tenant):
        current = world.price_exception(aporg, receive, "CUR-1")
        history = _history(current, aporg)
    return current, history


def publish_assistants(aporg: Any, **assistants: dict[str, Any]) -> None:
    document = dict(policy_published().document)
    document["assistants"] = assistants
    with transaction.atomic():
        version = policy_draft_create(actor=aporg.org.admin, document=document)
        policy_publish(actor="system:test", version=version)


def test_a_fixed_history_gives_the_expected_summary_and_suggestion(
    aporg: Any, case: Any, in_tenant: Any
) -> None:
    current, history = case
    with in_tenant(aporg.tenant):
        advice = exception_advice_show(current, user=aporg.apmanager)
    assert advice is not None
    assert advice["suggested_resolution"] == "accept_variance"
    # weights 1/(1+d): H2 1.0, H1 0.9419, H3 0.9313, H5 0.4373, H4 0.2980 → 2.8733 / 3.6086
    assert advice["confidence"] == pytest.approx(0.7962, abs=1e-4)
    assert [s["id"] for s in advice["similar"]] == [str(history[i].pk) for i in (1, 0, 2, 4, 3)]
    assert [s["resolution"] for s in advice["similar"]] == [
        "accept_variance", "accept_variance", "accept_variance", "reject_invoice",
        "request_credit_note",
    ]  # fmt: skip
    differs, tolerance, supplier, similar, suggestion = advice["sentences"]
    assert differs == (
        "Line 1 is invoiced at 47.00 a unit against 45.00 on the order (+4.4 %): "
        "20.00 EUR over in all."
    )
    assert tolerance.startswith(f"Policy {current.policy_version} allows a price variance within")
    # the rejection thirteen months ago is outside the supplier's year
    assert supplier == (
        "Contoso GmbH had 3 other price variance exceptions in the last twelve months: "
        "Accept the variance (3)."
    )
    assert similar.startswith(
        "The 5 most similar past cases were resolved: Accept the variance (3), "
        "Reject the invoice (1), Request a credit note (1), by "
    )
    assert aporg.buyer.email in similar and aporg.clerk.email in similar
    assert suggestion == "Suggested: Accept the variance (80 % of the weighted similar cases)."
    assert advice["draft"] is None  # accepting needs no message to the supplier


def test_never_suggests_a_resolution_the_reader_may_not_take(
    aporg: Any, receive: Any, case: Any, in_tenant: Any
) -> None:
    """150.00 over: within a manager's authority, above a clerk's 100."""
    with in_tenant(aporg.tenant):
        big = world.invoice(aporg, receive, number="BIG-1", price="60.00").exceptions.get(
            code="price_variance"
        )
        manager = exception_advice_show(big, user=aporg.apmanager)
        clerk = exception_advice_show(big, user=aporg.clerk)
        assert manager is not None and clerk is not None
        assert manager["suggested_resolution"] == "accept_variance"
        assert "accept_variance" not in clerk["allowed"]
        assert clerk["suggested_resolution"] is None
        assert clerk["reason"] == "below_threshold"
        assert (
            "Most similar cases were resolved by Accept the variance (55 %), which you may not "
            "take here: the variance of 150.00 EUR is above your authority of 100.00 EUR."
        ) in clerk["summary"]
        # with a lower bar the clerk gets the best resolution a clerk may take
        publish_assistants(aporg, exception_advice={"enabled": True, "threshold": 0.3})
        clerk = exception_advice_show(big, user=aporg.clerk)
        assert clerk is not None
        assert clerk["suggested_resolution"] == "reject_invoice"
        assert clerk["suggested_resolution"] in resolutions_allowed(big, aporg.clerk)


@pytest.mark.parametrize("who", ["clerk", "apmanager", "buyer", "receiver", "compliance"])
def test_the_allowed_resolutions_are_those_the_service_takes(
    aporg: Any, receive: Any, in_tenant: Any, who: str
) -> None:
    """Each resolution a price variance may have, tried through exception_resolve and rolled
    back: the service takes exactly those resolutions_allowed lists."""
    user = getattr(aporg, who)
    with in_tenant(aporg.tenant):
        exception = world.invoice(aporg, receive, number="BIG-2", price="60.00").exceptions.get(
            code="price_variance"
        )
        taken = []
        for resolution in ("accept_variance", "request_credit_note", "rematch",
                           "reject_invoice", "override"):  # fmt: skip
            try:
                with transaction.atomic():
                    exception_resolve(
                        actor=user, exception_id=exception.pk, resolution=resolution, comment="x"
                    )
                    taken.append(resolution)
                    transaction.set_rollback(True)
            except ApplicationError:
                pass
        assert resolutions_allowed(exception, user) == taken


def test_a_review_of_a_paid_invoice_may_still_be_closed_as_the_service_allows(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """A review signal (it never held the invoice) may be closed after payment: the advisor
    lists exactly the resolutions the service takes then."""
    from django.utils import timezone

    from apps.invoices.exception_codes import RESOLUTIONS
    from apps.invoices.models import Invoice, InvoiceException

    with in_tenant(aporg.tenant):
        invoice = world.invoice(aporg, receive, number="PAID-REVIEW")
        Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID)
        exception = InvoiceException.objects.create(
            invoice=invoice,
            code="behaviour_anomaly",
            category="fraud_risk",
            queue="compliance",
            detail="unusual",
            due_at=timezone.now(),
        )
        taken = []
        for resolution, (codes, _comment) in RESOLUTIONS.items():
            if codes is not None and "behaviour_anomaly" not in codes:
                continue
            try:
                with transaction.atomic():
                    exception_resolve(
                        actor=aporg.compliance,
                        exception_id=exception.pk,
                        resolution=resolution,
                        comment="looked",
                    )
                    taken.append(resolution)
                    transaction.set_rollback(True)
            except ApplicationError:
                pass
        assert "reviewed" in taken
        exception = InvoiceException.objects.select_related("invoice").get(pk=exception.pk)
        assert resolutions_allowed(exception, aporg.compliance) == taken


def test_too_little_history_gives_no_suggestion(aporg: Any, receive: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        current = world.price_exception(aporg, receive, "CUR-2")
        for number in ("H1", "H2"):
            decided(history_invoice(number, like=current.invoice),
                    resolution="accept_variance", by=aporg.buyer, invoiced="47.00")  # fmt: skip
        advice = exception_advice_show(current, user=aporg.apmanager)
    assert advice is not None
    assert advice["suggested_resolution"] is None and advice["confidence"] is None
    assert advice["reason"] == "too_little_history"
    assert advice["sentences"][-1] == (
        "No suggestion: 2 similar resolved cases here, at least 3 are needed."
    )
    assert len(advice["similar"]) == 2  # the cases are still shown


def _page(aporg: Any, user: Any, in_tenant: Any) -> PageClient:
    page = PageClient(HTTP_HOST=host_of(aporg.tenant))
    with in_tenant(aporg.tenant):
        page.force_login(user)
    return page


def test_the_page_loads_the_panel_and_the_api_carries_the_advice(
    aporg: Any, case: Any, in_tenant: Any, api_for: Any
) -> None:
    current, history = case
    page = _page(aporg, aporg.apmanager, in_tenant)
    html = page.get(f"/exceptions/{current.pk}/").content.decode()
    panel_url = f"/assistants/exceptions/{current.pk}/advice/"
    assert 'data-testid="assistant-panel"' in html and f'hx-get="{panel_url}"' in html
    panel = page.get(panel_url).content.decode()
    assert "Suggested resolution" in panel and "Accept the variance" in panel
    assert f'href="/exceptions/{history[1].pk}/"' in panel  # the cases behind it, linked

    body = api_for(aporg.tenant, aporg.apmanager).get(f"/api/v1/exceptions/{current.pk}/").json()
    advice = body["advice"]
    assert set(advice) == {"summary", "suggested_resolution", "confidence", "similar", "model"}
    assert advice["suggested_resolution"] == "accept_variance"
    assert advice["confidence"] == pytest.approx(0.7962, abs=1e-4)
    assert advice["similar"][0] == {"id": str(history[1].pk), "resolution": "accept_variance"}
    assert advice["model"] == "exception_advice/knn-v1"
    with in_tenant(aporg.tenant):
        shown = Advice.objects.filter(subject_type="exception", subject_id=str(current.pk))
        assert shown.filter(assistant="exception_advice").count() == 2  # the panel, the API
        assert {a.shown_to_id for a in shown} == {aporg.apmanager.pk}
        row = shown.filter(assistant="exception_advice").first()
        assert row is not None and row.output["suggested_resolution"] == "accept_variance"
        assert row.model_version == "exception_advice/knn-v1" and len(row.inputs_digest) == 64


def test_switched_off_in_the_policy_there_is_no_advice_and_no_panel(
    aporg: Any, case: Any, in_tenant: Any, api_for: Any
) -> None:
    current, _history = case
    with in_tenant(aporg.tenant):
        publish_assistants(aporg, exception_advice={"enabled": False, "threshold": 0.5})
    html = _page(aporg, aporg.apmanager, in_tenant).get(f"/exceptions/{current.pk}/")
    assert 'data-testid="assistant-panel"' not in html.content.decode()
    body = api_for(aporg.tenant, aporg.apmanager).get(f"/api/v1/exceptions/{current.pk}/").json()
    assert body["advice"] is None
    with in_tenant(aporg.tenant):
        assert not Advice.objects.exists()


def test_resolving_records_whether_the_advice_was_followed(
    aporg: Any, case: Any, in_tenant: Any, receive: Any, django_capture_on_commit_callbacks: Any
) -> None:
    current, _history = case
    with in_tenant(aporg.tenant):
        other = world.price_exception(aporg, receive, "CUR-3")
        for exception in (current, other):
            exception_advice_show(exception, user=aporg.apmanager)
        exception_advice_show(current, user=aporg.buyer)  # the buyer read it, did not decide
        with django_capture_on_commit_callbacks(execute=True):
            exception_resolve(
                actor=aporg.apmanager, exception_id=current.pk, resolution="accept_variance"
            )
        with django_capture_on_commit_callbacks(execute=True):
            exception_resolve(
                actor=aporg.apmanager,
                exception_id=other.pk,
                resolution="reject_invoice",
                comment="Not what we ordered.",
            )
        followed = Advice.objects.get(subject_id=str(current.pk), shown_to=aporg.apmanager)
        overridden = Advice.objects.get(subject_id=str(other.pk), assistant="exception_advice")
        read = Advice.objects.get(subject_id=str(current.pk), shown_to=aporg.buyer)
    assert read.status == "shown"
    assert followed.status == "followed" and followed.outcome_by_id == aporg.apmanager.pk
    assert overridden.status == "overridden"
    assert overridden.outcome_detail == {"resolution": "reject_invoice"}


def test_a_refused_resolution_records_no_outcome(
    aporg: Any, receive: Any, case: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with in_tenant(aporg.tenant):
        big = world.invoice(aporg, receive, number="BIG-3", price="60.00").exceptions.get(
            code="price_variance"
        )
        exception_advice_show(big, user=aporg.clerk)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
            exception_resolve(actor=aporg.clerk, exception_id=big.pk, resolution="accept_variance")
        assert Advice.objects.get(subject_id=str(big.pk)).status == "shown"


def test_the_draft_to_the_supplier_is_never_sent_by_the_assistant(
    aporg: Any, receive: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Credit notes were asked for in every similar case: the panel drafts the request, and
    rendering it sends nothing, asks nothing, announces nothing."""
    with in_tenant(aporg.tenant):
        current = world.price_exception(aporg, receive, "CUR-4")
        for number in ("H1", "H2", "H3", "H4"):
            decided(history_invoice(number, like=current.invoice),
                    resolution="request_credit_note", by=aporg.clerk, invoiced="47.00")  # fmt: skip
        outbox, requests = OutboxEvent.objects.count(), CreditNoteRequest.objects.count()
    mail.outbox.clear()
    page = _page(aporg, aporg.clerk, in_tenant)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        panel = page.get(f"/assistants/exceptions/{current.pk}/advice/").content.decode()
    assert "Draft message to the supplier" in panel
    assert "Please send a credit note for 20.00 EUR referencing invoice CUR-4." in panel
    assert 'name="resolution" value="request_credit_note"' in panel  # a person applies it
    assert mail.outbox == [] and callbacks == []
    with in_tenant(aporg.tenant):
        assert OutboxEvent.objects.count() == outbox
        assert CreditNoteRequest.objects.count() == requests
        current.refresh_from_db()
        assert current.status == "open"


def test_the_api_query_count_does_not_grow_with_history(
    aporg: Any, case: Any, in_tenant: Any, api_for: Any
) -> None:
    current, _history = case
    api = api_for(aporg.tenant, aporg.apmanager)
    url = f"/api/v1/exceptions/{current.pk}/"
    api.get(url)  # warm caches (policy, permissions)
    before = count_queries(lambda: api.get(url))
    with in_tenant(aporg.tenant):
        for n in range(30):
            decided(history_invoice(f"M{n}", like=current.invoice), resolution="accept_variance",
                    by=aporg.buyer, invoiced=f"{46 + n % 4}.50", days_ago=40 + n)  # fmt: skip
    assert count_queries(lambda: api.get(url)) == before


def test_an_escalation_notice_carries_the_case_in_one_line(
    aporg: Any, case: Any, in_tenant: Any
) -> None:
    from apps.invoices.services.escalation import exceptions_sla_sweep
    from apps.workflow.models import Notification

    current, _history = case
    with in_tenant(aporg.tenant):
        world.due_past(current)
        assert exceptions_sla_sweep() == {"escalated": 1}
        notice = Notification.objects.filter(kind="invoice.exception_escalated").first()
        assert notice is not None
        assert notice.message.endswith(
            "Price 47.00 vs order 45.00 (+4.4 %). Contoso GmbH: 3 more in twelve months. "
            "Similar cases: 3 of 5 accept the variance."
        )
        line = Advice.objects.get(subject_id=str(current.pk))
        assert line.shown_to_id is None and line.output["summary_line"] in notice.message
