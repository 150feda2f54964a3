"""The demo's story (issue 33): the AP clerk opens one of Adventure Works' open price
variances and reads a summary with a suggested resolution and the cases behind it."""

from __future__ import annotations

import re

import pytest
from django.test import Client as BrowserClient

from apps.accounts.models import User
from apps.assistants.exceptions.services import exception_advice_show
from apps.invoices.models import InvoiceException
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client
from tests.conftest import PASSWORD
from tests.portal.test_words import UUID, raw_codes, visible_text

pytestmark = pytest.mark.django_db


def test_the_demo_clerk_reads_a_suggestion_on_an_adventure_works_variance(
    demo_data: None,
) -> None:
    with tenant_context(Client.objects.get(slug="tenanta")):
        clerk = User.objects.get(email="ap@tenanta.example")
        exception = (
            InvoiceException.objects.filter(
                code="price_variance",
                status="open",
                invoice__supplier__name="Adventure Works Hardware",
            )
            .order_by("created_at")
            .first()
        )
        assert exception is not None
        advice = exception_advice_show(exception, user=clerk, routing=True)
    assert advice is not None
    print(advice["summary"])
    assert advice["suggested_resolution"] == "accept_variance"
    assert advice["confidence"] is not None and advice["confidence"] >= 0.5
    assert len(advice["similar"]) >= 3
    assert "Adventure Works Hardware had" in advice["summary"]


def test_the_demo_panel_reads_as_people_write(demo_data: None) -> None:
    """No raw code and no id in the panel's text (the page crawl does not follow HTMX)."""
    with tenant_context(Client.objects.get(slug="tenanta")):
        exception = InvoiceException.objects.filter(
            code="price_variance", status="open", invoice__supplier__name__startswith="Adventure"
        ).first()
        assert exception is not None
    browser = BrowserClient(HTTP_HOST="a.localhost")
    signed = browser.post("/login/", {"username": "ap@tenanta.example", "password": PASSWORD})
    assert signed.status_code == 302
    page = browser.get(f"/exceptions/{exception.pk}/").content.decode()
    assert 'data-testid="assistant-panel"' in page
    panel = browser.get(f"/assistants/exceptions/{exception.pk}/advice/")
    assert panel.status_code == 200
    text = visible_text(panel.content.decode())
    assert "Suggested resolution: Accept the variance" in text
    shown = [c for c in raw_codes() if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w])", text)]
    assert shown == []
    assert UUID.findall(text) == []
