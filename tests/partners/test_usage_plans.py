"""Plan limits: billing sets them per client; at the soft limit the tenant admin is warned
(home page, settings) and everything still works; at the hard limit a new person, a new
invoice (any channel) or a new requisition is refused with a sentence that says why and what
to do, and an invoice sent by e-mail waits in the quarantine instead of being lost."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as WebClient

from apps.accounts.services import user_invite
from apps.accounts.usage import people_with_access
from apps.audit.models import AuditEvent
from apps.inbox.models import MailMessage
from apps.inbox.services import mail_receive
from apps.invoices.models import Invoice
from apps.procurement.services.requisitions import requisition_create
from apps.tenancy.models import ClientPlan
from apps.tenancy.plans import PlanLimitReached, plan_warnings
from tests.conftest import host_of, partner_signed_in
from tests.inbox.conftest import TRUSTED_MTA
from tests.inbox.test_mail import UBL, mail
from tests.invoices.conftest import invoice_body, make_order
from tests.org import requisition_body

from .conftest import partner_client

pytestmark = pytest.mark.django_db


def _plan(tenant: Any, **limits: Any) -> Any:
    response = partner_client("billing@partner.test").put(
        f"/api/v1/partner/tenants/{tenant.slug}/plan/", limits, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_billing_sets_a_plan_and_the_change_is_in_the_trail(tenant_a: Any) -> None:
    shown = _plan(tenant_a, invoices_soft=90, invoices_hard=100)
    assert shown == {
        "active_users_soft": None,
        "active_users_hard": None,
        "invoices_soft": 90,
        "invoices_hard": 100,
        "requisitions_soft": None,
        "requisitions_hard": None,
    }
    # a field left out keeps its value; null removes the limit
    shown = _plan(tenant_a, invoices_soft=None, requisitions_hard=5)
    assert (shown["invoices_soft"], shown["invoices_hard"], shown["requisitions_hard"]) == (
        None,
        100,
        5,
    )
    read = partner_client("partner@partner.test").get("/api/v1/partner/tenants/tenanta/plan/")
    assert read.json() == shown
    event = AuditEvent.objects.filter(action="tenant.plan_changed").latest("at")
    assert event.subject_id == "tenanta" and event.after["requisitions_hard"] == 5


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"invoices_soft": 10, "invoices_hard": 5}, 422, "validation_error"),
        ({"invoices_hard": -1}, 400, "validation_error"),
        ({"invoices_hard": "many"}, 400, "validation_error"),
    ],
)
def test_a_plan_that_cannot_hold_is_refused(
    tenant_a: Any, body: dict[str, Any], status: int, code: str
) -> None:
    response = partner_client("billing@partner.test").put(
        "/api/v1/partner/tenants/tenanta/plan/", body, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not ClientPlan.objects.filter(client=tenant_a, invoices_hard=5).exists()


def test_only_billing_and_admins_set_plans_of_their_own_clients(tenant_a: Any) -> None:
    body = {"invoices_hard": 1}
    url = "/api/v1/partner/tenants/tenanta/plan/"
    support = partner_client("support@partner.test").put(url, body, format="json")
    assert (support.status_code, support.json()["code"]) == (403, "permission_denied")
    operator = partner_client("operator@partner.test").put(url, body, format="json")
    assert operator.status_code == 403
    rival = partner_client("other@rival.test")
    assert rival.put(url, body, format="json").status_code == 404
    assert rival.get(url).status_code == 404
    assert not ClientPlan.objects.filter(client=tenant_a).exists()


def test_the_hard_limit_refuses_a_new_person_with_the_reason(
    org: Any, api_for: Any, in_tenant: Any
) -> None:
    with in_tenant(org.tenant):
        people = people_with_access()
    _plan(org.tenant, active_users_soft=people - 1, active_users_hard=people)
    response = api_for(org.tenant, org.admin).post(
        "/api/v1/users/", {"email": "one.more@a.test", "roles": ["requester"]}, format="json"
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "plan_limit_reached"
    assert f"allows {people} active users a month" in body["detail"]
    assert "Ask your partner to raise the limit" in body["detail"]
    with in_tenant(org.tenant):
        assert people_with_access() == people
        # a supplier's contact is no seat of the plan
        user_invite(
            actor=org.admin, email="contact@supplier.test", roles=["supplier"], base_url="http://x/"
        )


def test_the_hard_limit_refuses_an_invoice_with_the_reason(
    aporg: Any, api_for: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Paper", "10", "5.00")])
        first, second = (invoice_body(order, number=n) for n in ("P-1", "P-2"))
    api = api_for(aporg.tenant, aporg.clerk)
    assert api.post("/api/v1/invoices/", first, format="json").status_code == 201
    _plan(aporg.tenant, invoices_hard=1)
    refused = api.post("/api/v1/invoices/", second, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "plan_limit_reached"
    assert "allows 1 invoices a month and 1 have been received" in refused.json()["detail"]
    with in_tenant(aporg.tenant):
        assert Invoice.objects.count() == 1


def test_at_the_hard_limit_an_emailed_invoice_waits_in_the_quarantine(
    aporg: Any, in_tenant: Any, settings: Any
) -> None:
    settings.INVOICE_MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED_MTA]
    _plan(aporg.tenant, invoices_hard=0)
    with in_tenant(aporg.tenant):
        held = mail_receive(
            raw=bytes(mail("billing@contoso.test", "x", ("i.xml", "application/xml", UBL))),
            source="api",
        )
        assert (held.status, held.reason) == ("quarantined", "plan_limit")
        assert "ask your partner" in held.detail.lower()
        assert held.file  # kept: AP files it once the limit is raised
        assert not Invoice.objects.exists()
        assert MailMessage.objects.filter(reason="plan_limit").count() == 1


def test_the_hard_limit_refuses_a_requisition(org: Any, in_tenant: Any) -> None:
    _plan(org.tenant, requisitions_hard=0)
    with in_tenant(org.tenant), pytest.raises(PlanLimitReached) as refused:
        requisition_create(actor=org.requester, data=requisition_body())
    assert refused.value.status == 409 and "requisitions a month" in refused.value.text()


def test_the_soft_limit_lets_it_through_and_warns_the_tenant_admin(
    aporg: Any, api_for: Any, in_tenant: Any
) -> None:
    org = aporg.org
    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Paper", "10", "5.00")])
        bodies = [invoice_body(order, number=n) for n in ("S-1", "S-2")]
    _plan(aporg.tenant, invoices_soft=1, invoices_hard=10)
    api = api_for(aporg.tenant, aporg.clerk)
    for body in bodies:
        kept = api.post("/api/v1/invoices/", body, format="json")
        assert kept.status_code == 201, kept.content
    with in_tenant(aporg.tenant):
        [warning] = plan_warnings()
        assert (warning.metric, warning.used, warning.state) == ("invoices", 2, "soft")
    web = WebClient(HTTP_HOST=host_of(aporg.tenant))
    web.force_login(org.admin)
    home = web.get("/").content.decode()
    assert 'data-testid="plan-standing"' in home and "Nearing the limit" in home
    settings_page = web.get("/settings/").content.decode()
    assert "Your plan this month" in settings_page and "at most 10" in settings_page
    # people without the admin's role are not told
    web.force_login(org.requester)
    assert 'data-testid="plan-standing"' not in web.get("/").content.decode()


def test_the_console_shows_the_plan_state_and_billing_saves_limits(tenant_a: Any) -> None:

    web = partner_signed_in("billing@partner.test")
    saved = web.post(
        "/partner/usage/tenanta/plan/",
        {"month": "2026-10", "invoices_soft": "", "invoices_hard": "0"},
    )
    assert saved.status_code == 302 and saved["Location"] == "/partner/usage/?month=2026-10"
    assert ClientPlan.objects.get(client=tenant_a).invoices_hard == 0
    page = web.get("/partner/usage/?month=2026-10").content.decode()
    assert "Hard limit reached" in page
    support = partner_signed_in("support@partner.test")
    assert support.post("/partner/usage/tenanta/plan/", {"invoices_hard": "5"}).status_code == 403
