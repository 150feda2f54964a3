"""Pages speak in words and business numbers: every page each demo role opens (its menu pages
and the records they link to), the audit trail of every kind of record, and the flashes after
an action are rendered with the demo's data, and their visible text holds no raw code from the
label registry, no actor code such as `system:matching`, and no UUID where a business number
exists."""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.test import Client as BrowserClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# who acted, as the trail records it (`system:matching`, `erp:SAP`, `partner:x@y`)
ACTOR_CODE = re.compile(r"\b(?:system|erp|partner):\S")
DETAIL = re.compile(
    r'href="(/(?:requisitions|purchase-orders|suppliers|invoices|exceptions|payments)/'
    r'[0-9a-f-]{36}/)"'
)
DEMO_USERS = [
    "requester", "approver", "manager", "buyer", "receiver", "ap", "apmanager", "auditor",
    "admin", "compliance", "supplier",
]  # fmt: skip


def visible_text(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//script|//style|//template|//head"):
        hidden.drop_tree()
    # each text node apart: codes in neighbouring cells or options must not run together
    return " ".join(" ".join(tree.itertext()).split())


def raw_codes() -> set[str]:
    from apps.portal.labels import registry_codes

    # codes that are not plain words: `price_variance`, `approval.step_opened`, `three_way`
    return {code for code in registry_codes() if "_" in code or "." in code}


def problems_in(path: str, html: str) -> list[str]:
    """The raw codes, actor codes and UUIDs a page shows."""
    text = visible_text(html)
    found = [
        f"{path}: {code}"
        for code in sorted(raw_codes())
        if re.search(rf"(?<![\w.]){re.escape(code)}(?![\w])", text)
    ]
    found += [f"{path}: {match}" for match in ACTOR_CODE.findall(text)]
    return found + [f"{path}: {uuid}" for uuid in UUID.findall(text)]


def pages_of(browser: BrowserClient) -> list[str]:
    """The role's menu pages and, on each, the first record of every kind it links to."""
    home = browser.get("/", follow=True)
    menu = ["/", *re.findall(r'href="([^"]+)" data-menu=', home.text)]
    found: list[str] = []
    for path in menu:
        found.append(path)
        page = browser.get(path)
        seen: set[str] = set()
        for link in DETAIL.findall(page.text):
            kind = link.split("/")[1]
            if kind not in seen:
                seen.add(kind)
                found.append(link)
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("local", DEMO_USERS)
def test_no_page_shows_a_raw_code_or_a_uuid(demo_data: None, local: str) -> None:
    browser = BrowserClient(HTTP_HOST="a.localhost")
    signed = browser.post("/login/", {"username": f"{local}@tenanta.example", "password": PASSWORD})
    assert signed.status_code == 302
    problems: list[str] = []
    for path in pages_of(browser):
        response = browser.get(path, follow=True)
        assert response.status_code == 200, (local, path, response.status_code)
        problems += problems_in(path, response.content.decode())
    assert not problems, "\n".join(problems)


def test_the_audit_trail_names_every_kind_of_record_and_actor(demo_data: None) -> None:
    """Each kind of record's trail (webhook endpoints, ERP connections, bank statements, …)
    names its records and its actors; the filter offers kinds and events as labelled choices."""
    from apps.portal.labels import SUBJECT_LABELS

    auditor = _signed("auditor")
    problems: list[str] = []
    for kind in sorted(SUBJECT_LABELS):
        path = f"/audit/?subject_type={kind}"
        response = auditor.get(path)
        assert response.status_code == 200, path
        problems += problems_in(path, response.content.decode())
    assert not problems, "\n".join(problems)
    trail = lxml.html.fromstring(auditor.get("/audit/").content)
    kinds = trail.xpath("//select[@name='subject_type']/option")
    events = trail.xpath("//select[@name='action']/option")
    assert len(kinds) > 20 and len(events) > 100
    assert not [o.text for o in kinds + events if "_" in (o.text or "") or "." in (o.text or "")]
    # the demo's jobs and ERP are named by what they are
    text = visible_text(auditor.get("/audit/?subject_type=invoice").content.decode())
    assert "Spendgate (" in text


def test_the_audit_trail_finds_a_record_by_its_number(demo_data: None) -> None:
    auditor = _signed("auditor")
    invoices = _signed("ap").get("/invoices/").text
    number = re.findall(r'href="/invoices/[0-9a-f-]{36}/">([^<]+)</a>', invoices)[0]
    found = auditor.get(f"/audit/?subject_type=invoice&subject={number}").text
    rows = lxml.html.fromstring(found).xpath("//table[@data-testid='audit-events']/tbody/tr")
    assert rows and all(number in row.text_content() for row in rows), number


def test_the_audit_trail_finds_runs_and_contracts_by_number_and_says_when_nothing_is(
    demo_data: None,
) -> None:
    auditor = _signed("auditor")
    for kind, listing, pattern in (
        ("payment_run", "/payments/", r'href="/payments/[0-9a-f-]{36}/">([^<]+)</a>'),
        ("contract", "/contracts/", r'href="/contracts/[0-9a-f-]{36}/">([^<]+)</a>'),
    ):
        number = re.findall(pattern, auditor.get(listing).text)[0]
        found = auditor.get(f"/audit/?subject_type={kind}&subject={number}").text
        rows = lxml.html.fromstring(found).xpath(
            "//table[@data-testid='audit-events']/tbody/tr[td]"
        )
        assert rows and all(number in row.text_content() for row in rows), (kind, number)
        assert 'data-testid="not-found"' not in found
    missing = auditor.get("/audit/?subject_type=invoice&subject=NO-SUCH-9").text
    assert 'data-testid="not-found"' in missing and "NO-SUCH-9" in missing
    # a crafted id of an integer-keyed kind is no record, not a server error
    assert auditor.get("/audit/?subject_type=budget&subject_id=%C2%B2").status_code == 200


def test_flashes_and_live_totals_speak_words(demo_data: None) -> None:
    ap = _signed("ap")
    queue = ap.get("/exceptions/").text
    exception = re.findall(r'href="(/exceptions/[0-9a-f-]{36}/)"', queue)[0]
    done = ap.post(exception, {"action": "resolve", "resolution": "rematch"}, follow=True)
    flashes = lxml.html.fromstring(done.content).xpath("//ul[@class='messages']/li")
    assert flashes, "no flash after resolving"
    shown = " ".join(f.text_content() for f in flashes)
    assert "on invoice" in shown or "error" in flashes[0].get("class", ""), shown
    assert not problems_in(exception, done.content.decode())
    # the requisition form's live total is money, as everywhere
    total = _signed("requester").post(
        "/requisitions/new/totals/",
        {"currency": "USD", "line_description": ["Desk"], "line_quantity": ["2"],
         "line_unit_price": ["620"]},
    )  # fmt: skip
    assert "1,240.00 USD" in total.text, total.text


def test_every_code_has_its_label() -> None:
    from apps.portal.labels import missing_labels

    assert missing_labels() == {k: set() for k in missing_labels()}


def test_quantities_drop_trailing_zeros() -> None:
    from apps.portal.templatetags.words import quantity

    assert quantity("12.000") == "12" and quantity("2.50") == "2.5"


def _signed(local: str) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="a.localhost")
    browser.post("/login/", {"username": f"{local}@tenanta.example", "password": PASSWORD})
    return browser


def test_the_demo_pages_finish_the_story(demo_data: None) -> None:
    # the supplier list says whose documents expire soon
    expiring = _signed("buyer").get("/suppliers/?expiring=30").text
    assert "Fabrikam Security Services" in expiring and 'data-testid="expiring"' in expiring
    assert "Contoso Office Supply" not in expiring
    # the manager's inbox marks what is overdue or escalated
    inbox = _signed("manager").get("/tasks/").text
    assert 'class="overdue"' in inbox
    # an order's page has its line amounts, receipts, invoices and the acknowledgement
    receiver = _signed("receiver")
    orders = receiver.get("/purchase-orders/?status=received").text
    first = DETAIL.findall(orders)[0]
    page = receiver.get(first).text
    for part in ('data-testid="line-amount"', 'data-testid="receipts"', "GR-", "acknowledg"):
        assert part in page, part
    assert 'data-testid="order-invoices"' in receiver.get(first).text  # receivers read invoices


def test_a_quantity_field_reads_back_its_value() -> None:
    """A number field shows nothing for "1,000" or "2,5": the supplier's line would vanish."""
    from decimal import Decimal

    from apps.portal.templatetags.words import quantity_field

    assert quantity_field(Decimal("1000.000")) == "1000"
    assert quantity_field(Decimal("2.500")) == "2.5"
    assert quantity_field(None) == ""


def _german_for_english() -> dict[str, str]:
    """English words of the catalog whose German differs (a page showing the English one to a
    German reader shows a message that was translated too early, or not at all)."""
    from tests.test_catalogs import ROOT, parse_po

    catalog = parse_po((ROOT / "locale/de/LC_MESSAGES/django.po").read_text("utf-8"))
    return {
        msgid: str(entry["forms"][0])  # type: ignore[index]
        for (context, msgid), entry in catalog.items()
        if not context
        and not entry["plural"]
        and "%" not in msgid
        and "{" not in msgid
        and entry["forms"][0] != msgid
        and len(msgid) > 3  # type: ignore[index]
    }


@pytest.mark.parametrize("local", DEMO_USERS)
def test_a_german_reader_sees_the_catalogs_words_on_every_page(demo_data: None, local: str) -> None:
    """Each role's pages, read in German: no text shows the English of a message the German
    catalog translates (a label, choice or sentence turned into text before the reader's
    language was known would)."""
    from apps.accounts.models import User
    from apps.organization.models import CostCenter, SpendCategory
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    english = _german_for_english()
    with tenant_context(Client.objects.get(slug="tenanta")):  # names the tenant gave its data
        for model in (CostCenter, SpendCategory):
            for name in model.objects.values_list("name", flat=True):
                english.pop(name, None)
        for first, last in User.objects.values_list("first_name", "last_name"):  # "Sam Supplier"
            for name in (first, last, f"{first} {last}"):
                english.pop(name, None)
    browser = _signed(local)
    browser.post("/language/", {"language": "de", "next": "/"})
    problems: list[str] = []
    for path in pages_of(browser):
        response = browser.get(path, follow=True)
        assert response.status_code == 200, (local, path, response.status_code)
        assert response["Content-Language"] == "de", path
        tree = lxml.html.fromstring(response.content.decode())
        # languages are named in their own language in the menu (English, Deutsch, …)
        for hidden in tree.xpath(
            "//script|//style|//template|//head|//form[@data-testid='language-menu']"
        ):
            hidden.drop_tree()
        for element in tree.iter():
            for node in (element.text, element.tail):
                text = " ".join((node or "").split()).rstrip(":")
                if text in english:
                    where = element.get("data-testid") or element.get("class") or ""
                    problems.append(
                        f"{path}: <{element.tag} {where}> {text!r} (German: {english[text]!r})"
                    )
    browser.post("/language/", {"language": "en", "next": "/"})  # the module's data is shared
    assert not problems, "\n".join(sorted(set(problems)))
