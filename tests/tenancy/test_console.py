"""The partner console as a partner sells it: each client's activity, health and set-up from
the hourly standing, a link that opens its portal, languages by name, a branding editor that
warns about contrast and proposes a darker shade, and a suspension that asks for the name and
a reason and is audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import lxml.html
import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.controls.refusals import ValidationFailed
from apps.insights.tasks import roll_up_client_days
from apps.tenancy.models import Client, ClientStanding, Partner
from apps.tenancy.services import tenant_set_status
from tests import world
from tests.conftest import count_queries, partner_signed_in
from tests.portal.test_words import UUID, raw_codes, visible_text

pytestmark = pytest.mark.django_db


def _console() -> BrowserClient:
    return partner_signed_in("partner@partner.test")


def _row(html: str, slug: str) -> Any:
    (row,) = lxml.html.fromstring(html).xpath(f"//tr[@data-tenant='{slug}']")
    return row


def _cell(row: Any, testid: str) -> str:
    (cell,) = row.xpath(f".//*[@data-testid='{testid}']")
    return " ".join(cell.text_content().split())


def test_the_console_shows_each_clients_activity_health_and_setup(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.integrations.models import WebhookEndpoint
    from apps.invoices.models import Invoice
    from apps.portal.setup import setup_checklist
    from apps.procurement.models import PurchaseOrder, Requisition

    now = timezone.now()
    with in_tenant(aporg.tenant):
        world.price_exception(aporg, receive, "CONSOLE-1")  # requisition, order, invoice
        last_month = world.draft(aporg.org.requester)
        Requisition.objects.filter(pk=last_month.pk).update(created_at=now - timedelta(days=40))
        WebhookEndpoint.objects.create(
            url="https://erp.example/hooks", secret_encrypted="x", failing_since=now
        )
        requisitions = Requisition.objects.filter(created_at__gte=now - timedelta(days=1)).count()
        orders = PurchaseOrder.objects.count()
        invoices = Invoice.objects.filter(kind="invoice").count()
        checklist = setup_checklist()
    assert requisitions >= 1 and orders >= 1 and invoices >= 1
    recent = make_user(aporg.tenant, "recent", ["requester"])
    lapsed = make_user(aporg.tenant, "lapsed", ["requester"])
    with in_tenant(aporg.tenant):
        type(recent).objects.filter(is_active=True).update(last_login=None)
        type(recent).objects.filter(pk=recent.pk).update(last_login=now - timedelta(days=3))
        type(lapsed).objects.filter(pk=lapsed.pk).update(last_login=now - timedelta(days=31))

    assert roll_up_client_days()["failed"] == 0  # the hourly job keeps the standing

    page = _console().get("/partner/").content.decode()
    row = _row(page, aporg.tenant.slug)
    assert _cell(row, "users-active") == "1"  # signed in within 30 days: not the lapsed one
    documents = _cell(row, "documents")
    total = requisitions + orders + invoices
    assert documents.startswith(str(total)), documents  # last month's requisition not counted
    assert f"{requisitions} req. · {orders} orders · {invoices} invoices" in documents
    assert _cell(row, "exceptions-open") == "1"
    assert _cell(row, "connectors") == "1 webhook endpoint"
    done = sum(item.done for item in checklist)
    assert _cell(row, "setup") == f"{done} of {len(checklist)}"
    detail = _console().get(f"/partner/tenants/{aporg.tenant.slug}/").content.decode()
    standing = visible_text(detail)
    assert f"{done} of {len(checklist)} steps done" in standing
    for item in checklist:
        assert (str(item.label) in standing) is not item.done  # what is still to do, by name


def test_a_new_client_is_on_the_console_at_once_with_its_setup_to_do(db: None) -> None:
    browser = _console()
    created = browser.post(
        "/partner/",
        {
            "name": "Umbrella",
            "slug": "umbrella",
            "domain": "umbrella.localhost",
            "default_language": "de",
            "portal_name": "Umbrella Einkauf",
            "primary_color": "#223344",
            "accent_color": "#000000",
        },
    )
    assert created.status_code == 302
    standing = ClientStanding.objects.get(client__slug="umbrella")
    assert standing.setup_total > standing.setup_done and standing.setup_missing
    row = _row(browser.get("/partner/").content.decode(), "umbrella")
    assert "German" in row.text_content()  # its language by name


def _standing(client: Client) -> None:
    ClientStanding.objects.update_or_create(
        client=client,
        defaults={
            "users_active": 2,
            "setup_done": 3,
            "setup_total": 9,
            "computed_at": timezone.now(),
        },
    )


def test_the_consoles_queries_do_not_grow_with_clients(tenant_a: Any, tenant_b: Any) -> None:
    _standing(tenant_a)
    browser = _console()
    few = count_queries(lambda: browser.get("/partner/"))
    partner = Partner.objects.get(name="Test Partners")
    # rows only: the console never opens a tenant's schema, so none is needed
    more = Client.objects.bulk_create(
        Client(schema_name=f"more{i}", slug=f"more{i}", name=f"More {i}", partner=partner)
        for i in range(4)
    )
    for client in more:
        _standing(client)
    many = count_queries(lambda: browser.get("/partner/"))
    page = browser.get("/partner/").content.decode()
    assert "More 3" in page and "3 of 9" in page
    assert many == few


def test_open_portal_links_and_language_names(tenant_a: Any) -> None:
    browser = _console()
    page = browser.get("/partner/").content.decode()
    row = _row(page, "tenanta")
    (link,) = row.xpath(".//a[@data-testid='open-portal']")
    assert link.get("href") == "http://a.localhost/" and link.get("target") == "_blank"
    options = lxml.html.fromstring(page).xpath("//select[@name='default_language']/option")
    assert {o.text for o in options} == {"English", "German", "French", "Spanish"}
    assert {o.get("value") for o in options} == {"en", "de", "fr", "es"}
    detail = browser.get("/partner/tenants/tenanta/").content.decode()
    assert 'href="http://a.localhost/"' in detail
    assert _text_of(detail, "language") == "English"


def _text_of(html: str, testid: str) -> str:
    (node,) = lxml.html.fromstring(html).xpath(f"//*[@data-testid='{testid}']")
    return " ".join(node.text_content().split())


def test_console_pages_speak_in_words(tenant_a: Any) -> None:
    _standing(tenant_a)
    browser = _console()
    codes = raw_codes()
    for path in ("/partner/", "/partner/tenants/tenanta/", "/partner/operations/"):
        text = visible_text(browser.get(path).content.decode())
        found = [c for c in codes if re.search(rf"(?<![\w.]){re.escape(c)}(?!\w)", text)]
        assert not found, (path, found)
        assert not UUID.findall(text), path
        assert not re.search(r"(?<![\w-])(en|de|fr|es)(?![\w-])", text), path  # languages by name
        assert not re.search(r"(?<![\w.])(primary|accent)_colou?r", text), path


def _warning(html: str, field: str = "primary_color") -> Any:
    (box,) = lxml.html.fromstring(html).xpath(f"//*[@data-testid='contrast-{field}']")
    (warning,) = box.xpath(".//*[@data-testid='contrast-warning']")
    return warning


def _brand(**colours: str) -> dict[str, str]:
    return {"portal_name": "Alpha Purchasing", "accent_color": "#111827", **colours}


def test_a_colour_failing_contrast_is_warned_with_a_darker_shade_to_use(tenant_a: Any) -> None:
    browser = _console()
    saved = browser.post("/partner/tenants/tenanta/", _brand(primary_color="#FFD700"), follow=True)
    page = saved.content.decode()
    assert "Branding saved." in page
    warned = [m.message for m in saved.context["messages"] if m.level_tag == "warning"]
    assert warned == [
        "#FFD700 reads at 1.40:1 against white, below the 4.5:1 of WCAG AA. The proposed shade "
        "#8A7400 reads at 4.58:1."
    ]
    warning = _warning(page)
    assert warning.get("hidden") is None  # shown
    (proposed,) = warning.xpath(".//*[@data-testid='proposed-shade']")
    assert proposed.text_content() == "#8A7400"
    (use,) = warning.xpath(".//button[@data-testid='use-shade']")
    assert use.get("value") == "primary_color:#8A7400"
    # the swatch has its colour without the page's script: in the nonce'd style
    swatch = '[data-contrast="primary_color"] [data-value="proposed-swatch"]'
    assert f"{swatch} {{ background-color: #8A7400; }}" in _styles(page)
    # one click (without the page's script, the button saves the shade)
    used = browser.post(
        "/partner/tenants/tenanta/",
        {**_brand(primary_color="#FFD700"), "use_shade": use.get("value")},
        follow=True,
    )
    tenant_a.refresh_from_db()
    assert tenant_a.primary_color == "#8A7400"
    assert not [m for m in used.context["messages"] if m.level_tag == "warning"]
    assert _warning(used.content.decode()).get("hidden") is not None


def _styles(html: str) -> str:
    return " ".join(lxml.html.fromstring(html).xpath("//style/text()"))


def _brand_variables(css: str) -> dict[str, str]:
    return dict(re.findall(r"(--brand-[\w-]+): (#[0-9A-Fa-f]{6})", css))


def test_the_preview_is_drawn_with_the_colours_the_portal_uses(tenant_a: Any) -> None:
    """The preview sets the portal's own variables, derived the same way as the tenant's
    pages derive them (dark text on a light primary, a darker shade for links)."""
    browser = _console()
    browser.post("/partner/tenants/tenanta/", _brand(primary_color="#FFD700"))
    page = browser.get("/partner/tenants/tenanta/").content.decode()
    (preview,) = re.findall(r"#brand-preview \{([^}]*)\}", _styles(page))
    portal = BrowserClient(HTTP_HOST="a.localhost").get("/login/").content.decode()
    (root,) = re.findall(r":root \{([^}]*)\}", _styles(portal))
    shown, real = _brand_variables(preview), _brand_variables(root)
    assert shown == real and len(real) == 5
    # gold is too light for white: its own hue darkened to 7:1, and a link shade that reads at
    # AA on the page background
    assert real["--brand-primary-text"] == "#4f4300" and real["--brand-link"] == "#857000"


def test_a_colour_passing_contrast_is_not_warned(tenant_a: Any) -> None:
    browser = _console()
    page = browser.get("/partner/tenants/tenanta/").content.decode()
    assert _warning(page).get("hidden") is not None
    assert _warning(page, "accent_color").get("hidden") is not None
    saved = browser.post("/partner/tenants/tenanta/", _brand(primary_color="#0B5FFF"), follow=True)
    assert not [m for m in saved.context["messages"] if m.level_tag == "warning"]
    assert 'id="brand-preview"' in saved.content.decode()
    assert "#brand-preview { --brand-primary: #0B5FFF;" in saved.content.decode()


def test_an_invalid_colour_never_reaches_the_preview(tenant_a: Any) -> None:
    bad = _console().post("/partner/tenants/tenanta/", _brand(primary_color="red;}a{"))
    page = bad.content.decode()
    assert bad.status_code == 200 and "#RRGGBB" in page
    assert (
        "red;}a{" not in page.split("</style>")[1]
        and "#brand-preview { --brand-primary: #0B5FFF;" in page
    )


def _suspensions() -> int:
    return AuditEvent.objects.filter(action="tenant.suspended", subject_id="tenanta").count()


def test_suspension_asks_for_the_name_and_a_reason_and_is_audited(tenant_a: Any) -> None:
    browser = _console()
    before = _suspensions()
    wrong = browser.post(
        "/partner/tenants/tenanta/status/", {"confirm_name": "Tenant B", "reason": "Unpaid."}
    )
    assert wrong.status_code == 422
    assert "Type the tenant&#x27;s name, Tenant A, to confirm." in wrong.content.decode()
    no_reason = browser.post("/partner/tenants/tenanta/status/", {"confirm_name": "Tenant A"})
    assert no_reason.status_code == 422
    tenant_a.refresh_from_db()
    assert not tenant_a.is_suspended and _suspensions() == before

    done = browser.post(
        "/partner/tenants/tenanta/status/",
        {"confirm_name": " tenant a ", "reason": "Invoices unpaid for 90 days."},
        follow=True,
    )
    assert "Tenant A is suspended" in done.content.decode()
    tenant_a.refresh_from_db()
    assert tenant_a.is_suspended
    event = AuditEvent.objects.filter(action="tenant.suspended", subject_id="tenanta").latest("at")
    assert event.after == {"status": "suspended", "reason": "Invoices unpaid for 90 days."}
    assert 'data-testid="reactivate-form"' in done.content.decode()

    # a suspension sent again from a page left open refuses; it never reactivates
    stale = browser.post(
        "/partner/tenants/tenanta/status/",
        {"status": "suspended", "confirm_name": "Tenant A", "reason": "Unpaid."},
    )
    assert stale.status_code == 422 and "cannot become suspended" in stale.content.decode()
    tenant_a.refresh_from_db()
    assert tenant_a.is_suspended and _suspensions() == before + 1

    back = browser.post(
        "/partner/tenants/tenanta/status/", {"status": "active", "reason": "Paid in full."}
    )
    assert back.status_code == 302
    tenant_a.refresh_from_db()
    assert not tenant_a.is_suspended
    event = AuditEvent.objects.filter(action="tenant.reactivated", subject_id="tenanta").latest(
        "at"
    )
    assert event.after == {"status": "active", "reason": "Paid in full."}


def test_the_suspension_service_refuses_a_wrong_name_or_no_reason(tenant_a: Any) -> None:
    from apps.accounts.models import User

    partner = User.objects.get(email="partner@partner.test")
    with pytest.raises(ValidationFailed) as wrong:
        tenant_set_status(
            actor=partner, client=tenant_a, status="suspended", reason="x", confirm_name="Tenant"
        )
    assert set(wrong.value.errors) == {"confirm_name"}
    with pytest.raises(ValidationFailed) as silent:
        tenant_set_status(
            actor=partner, client=tenant_a, status="suspended", reason=" ", confirm_name="Tenant A"
        )
    assert set(silent.value.errors) == {"reason"}
    tenant_a.refresh_from_db()
    assert not tenant_a.is_suspended


def test_the_api_suspends_with_the_name_and_a_reason(partner_api: Any, tenant_a: Any) -> None:
    url = "/api/v1/partner/tenants/tenanta/suspend/"
    refused = partner_api.post(url, {"confirm_name": "Tenant", "reason": "Unpaid."})
    assert refused.status_code == 422 and "confirm_name" in refused.json()["errors"]
    # a body without a reason is malformed (the schema requires it); a blank one is refused
    # by the service, which says what it needs
    missing = partner_api.post(url, {"confirm_name": "Tenant A"})
    assert missing.status_code == 400, missing.content
    blank = partner_api.post(url, {"confirm_name": "Tenant A", "reason": ""})
    assert blank.status_code == 422 and "reason" in blank.json()["errors"]
    assert blank.json()["code"] == "validation_error"
    assert (
        partner_api.post(url, {"confirm_name": "Tenant A", "reason": "Unpaid."}).json()["status"]
        == "suspended"
    )
