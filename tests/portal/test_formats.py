"""Dates, numbers and money in the reader's language (CONTRACT §8): a German reader sees
"1.234,56 EUR" and 07.12.2026, a French one "1 234,56 EUR"; the amount keeps its currency code
after it in every language; the API answers decimal strings and ISO dates whatever the
language; amounts and quantities typed in the portal are read in the reader's language."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.organization.money import money_text
from apps.procurement.models import Requisition
from tests.conftest import PASSWORD, host_of
from tests.org import Org

pytestmark = pytest.mark.django_db


def reading(org: Org, in_tenant: Any, person: Any, language: str) -> Client:
    with in_tenant(org.tenant):
        User.objects.filter(pk=person.pk).update(language=language)
    browser = Client(HTTP_HOST=host_of(org.tenant))
    signed_in = browser.post("/login/", {"username": person.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    return browser


def requisition_form(title: str, quantity: str, unit_price: str, **extra: str) -> dict[str, Any]:
    return {
        "title": title,
        "currency": "EUR",
        "cost_center": "CC-300",
        "spend_category": "IT-HW",
        "legal_entity": "DE01",
        "supplier": "",
        "justification": "",
        "need_by": "",
        "line_description": ["Monitor"],
        "line_quantity": [quantity],
        "line_unit_price": [unit_price],
        **extra,
    }


def test_money_reads_in_each_language_with_its_code_after_the_amount() -> None:
    shown = {}
    for language in ("en", "de", "fr", "es"):
        with translation.override(language):
            shown[language] = money_text(Decimal("1234.56"), "EUR")
    assert shown == {
        "en": "1,234.56 EUR",
        "de": "1.234,56 EUR",
        "fr": "1\xa0234,56 EUR",  # Django's French thousands separator, a no-break space
        "es": "1\xa0234,56 EUR",
    }


def test_dates_are_numeric_in_each_language() -> None:
    day = timezone.datetime(2026, 12, 7, 9, 5)
    shown = {}
    for language in ("en", "de", "fr", "es"):
        with translation.override(language):
            shown[language] = (
                date_format(day, "DATE_FORMAT"),
                date_format(day, "SHORT_DATE_FORMAT"),
                date_format(day, "SHORT_DATETIME_FORMAT"),
            )
    assert shown == {
        "en": ("2026-12-07", "2026-12-07", "2026-12-07 09:05"),
        "de": ("07.12.2026", "07.12.2026", "07.12.2026 09:05"),
        "fr": ("07/12/2026", "07/12/2026", "07/12/2026 09:05"),
        "es": ("07/12/2026", "07/12/2026", "07/12/2026 09:05"),
    }


def test_a_german_requester_types_amounts_the_german_way(org: Org, in_tenant: Any) -> None:
    browser = reading(org, in_tenant, org.requester, "de")
    # the live total reads the German entry and answers in German
    answer = browser.post("/requisitions/new/totals/", requisition_form("x", "12,5", "1.234,56"))
    assert answer.status_code == 200, answer
    totals = answer.content.decode()
    assert "15.432,00 EUR" in totals
    created = browser.post(
        "/requisitions/new/", requisition_form("Monitore", "12,5", "1.234,56", submit="1")
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    with in_tenant(org.tenant):
        requisition = Requisition.objects.get(title="Monitore")
        (line,) = requisition.lines.all()
    assert line.unit_price == Decimal("1234.56") and line.quantity == Decimal("12.5")
    assert requisition.total == Decimal("15432.00")
    # the API's plain form is read too
    browser.post("/requisitions/new/", requisition_form("Kabel", "3", "12.5"))
    with in_tenant(org.tenant):
        assert Requisition.objects.get(title="Kabel").lines.get().unit_price == Decimal("12.5")
    # the requisition's page: German money, quantity and dates
    page = browser.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert "15.432,00 EUR" in page and "1.234,56" in page and ">12,5<" in page
    with translation.override("de"):
        today = date_format(timezone.localtime(requisition.created_at), "SHORT_DATE_FORMAT")
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", today) and today in page
    assert timezone.localdate().isoformat() not in page


def test_what_is_not_a_number_is_refused_in_german(org: Org, in_tenant: Any) -> None:
    browser = reading(org, in_tenant, org.requester, "de")
    refused = browser.post("/requisitions/new/", requisition_form("Nichts", "zwei", "1.23,4"))
    assert refused.status_code == 200
    with translation.override("de"):
        hint = _("Enter a number, such as %(example)s.") % {"example": "1.234,56"}
    assert hint != "Enter a number, such as 1.234,56."
    page = refused.content.decode()
    assert f"lines[0].quantity: {hint}" in page and f"lines[0].unit_price: {hint}" in page
    # what was typed is kept to correct
    assert 'value="zwei"' in page and 'value="1.23,4"' in page
    with in_tenant(org.tenant):
        assert not Requisition.objects.filter(title="Nichts").exists()


def test_a_french_reader_sees_french_money_and_dates(org: Org, in_tenant: Any) -> None:
    german = reading(org, in_tenant, org.requester, "de")
    german.post("/requisitions/new/", requisition_form("Bureaux", "2", "1.500,25"))
    french = reading(org, in_tenant, org.requester, "fr")
    page = french.get("/requisitions/").content.decode()
    assert "3\xa0000,50 EUR" in page or "3&nbsp;000,50 EUR" in page
    with in_tenant(org.tenant):
        requisition = Requisition.objects.get(title="Bureaux")
    page = french.get(f"/requisitions/{requisition.pk}/").content.decode()
    with translation.override("fr"):
        today = date_format(timezone.localtime(requisition.created_at), "SHORT_DATE_FORMAT")
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", today) and today in page
    assert "1\xa0500,25" in page or "1&nbsp;500,25" in page  # the unit price


def test_the_api_speaks_decimal_strings_and_iso_dates_in_any_language(
    org: Org, in_tenant: Any, api_for: Any
) -> None:
    reading(org, in_tenant, org.requester, "de")
    api = api_for(org.tenant, org.requester)
    body = {
        "title": "Docking stations",
        "cost_center": "CC-300",
        "spend_category": "IT-HW",
        "legal_entity": "DE01",
        "currency": "EUR",
        "need_by": "2030-01-31",
        "lines": [{"description": "Dock", "quantity": "2", "unit_price": "1234.56"}],
    }
    created = api.post("/api/v1/requisitions/", body, format="json")
    assert created.status_code == 201, created.content
    assert created["Content-Language"] == "de"  # the reader's language, for `detail`
    answer = api.get(f"/api/v1/requisitions/{created.json()['id']}/").json()
    assert answer["total"] == "2469.12" and answer["lines"][0]["unit_price"].startswith("1234.56")
    assert answer["need_by"] == "2030-01-31"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d", answer["created_at"])
    # a German number is not the API's: refused, not misread
    wrong = api.post(
        "/api/v1/requisitions/",
        {**body, "lines": [{"description": "Dock", "quantity": "2", "unit_price": "1.234,56"}]},
        format="json",
    )
    assert wrong.status_code in (400, 422) and wrong.json()["code"] in (
        "invalid",
        "validation_error",
    )


def test_number_fields_are_read_as_the_browser_sends_them(aporg: Any, in_tenant: Any) -> None:
    """An `<input type="number">` shows the reader's format but sends "0.125" in every
    language: a German receiver's 0.125 is not read as 125, and the field is given a value
    it can show (not "12,5", which a number field shows empty)."""
    from apps.procurement.models import GoodsReceipt
    from tests.invoices.conftest import make_order

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Kabel", "12.5", "4.00")])
        line = order.lines.get()
    browser = reading(aporg.org, in_tenant, aporg.receiver, "de")
    form = browser.get(f"/purchase-orders/{order.pk}/receive/").content.decode()
    assert f'name="qty-{line.pk}" value="12.5"' in form
    posted = browser.post(f"/purchase-orders/{order.pk}/receive/", {f"qty-{line.pk}": "0.125"})
    assert posted.status_code == 302
    with in_tenant(aporg.tenant):
        (received,) = GoodsReceipt.objects.get(purchase_order=order).lines.all()
    assert received.quantity == Decimal("0.125")
    refused = browser.post(
        f"/purchase-orders/{order.pk}/receive/", {f"qty-{line.pk}": "viel"}, follow=True
    ).content.decode()
    with translation.override("de"):
        assert _("Enter a number, such as %(example)s.") % {"example": "1.234,56"} in refused


@pytest.mark.parametrize("language", ["de", "fr", "en"])
def test_the_supplier_portals_invoice_form_prefills_numbers_without_grouping(
    aporg: Any, in_tenant: Any, language: str
) -> None:
    """An order line of 1,000 at 1,234.50 is pre-filled as "1000" and "1234.50" whatever the
    supplier's language: a number field shows nothing for "1.000" or "1 000,000" (or reads
    "1.000" as one), so the line would vanish or shrink. The browser shows the value the
    reader's way and sends it back plain."""
    from tests.invoices.conftest import make_order
    from tests.invoices.test_exceptions import portal_user_of

    with in_tenant(aporg.tenant):
        order = make_order(aporg, [("Kabel", "1000", "1234.50"), ("Stecker", "12500.5", "2")])
        cable, plug = order.lines.order_by("line_no")
        supplier = portal_user_of(aporg)
    browser = reading(aporg.org, in_tenant, supplier, language)
    form = browser.get(f"/supplier-portal/invoices/submit/?order={order.pk}").content.decode()
    assert f'name="qty-{cable.pk}" value="1000"' in form
    assert f'name="price-{cable.pk}" value="1234.50"' in form
    assert f'name="qty-{plug.pk}" value="12500.5"' in form
    values = re.findall(r'<input type="number"[^>]* value="([^"]*)"', form)
    assert values and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in values), values
