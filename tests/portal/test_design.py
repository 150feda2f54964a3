"""The design system's server side: the brand block in base.html carries a text colour that
reads on the tenant's colour, forms render one way (templates/django/forms/), and the living
page /dev/components/ exists in development only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.test import Client as WebClient
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _brand_block(host: str) -> dict[str, str]:
    page = WebClient(HTTP_HOST=host).get("/login/").content.decode()
    block = re.search(r"<style nonce=[^>]*>:root \{(.*?)\}</style>", page)
    assert block, "no brand block"
    return dict(
        (name.strip(), value.strip())
        for name, value in (part.split(":") for part in block.group(1).split(";") if ":" in part)
    )


@pytest.mark.parametrize(
    ("primary", "text", "link"),
    [
        ("#FDE68A", "#514a2c", None),  # a light yellow: a dark shade of it, a darker link shade
        ("#0B5FFF", "#ffffff", "#0B5FFF"),  # a dark blue keeps white text and is its own link
    ],
)
def test_the_brand_block_gives_the_text_colour_that_reads_on_the_brand(
    partner_api: APIClient, tenant_a: Any, primary: str, text: str, link: str | None
) -> None:
    from apps.tenancy.contrast import PAGE_BACKGROUND, contrast_ratio

    response = partner_api.patch(
        "/api/v1/partner/tenants/tenanta/branding/",
        {"primary_color": primary, "accent_color": "#FFFFFF"},
        format="json",
    )
    assert response.status_code == 200, response.content
    block = _brand_block("a.localhost")
    assert block["--brand-primary"] == primary
    assert block["--brand-primary-text"] == text
    assert block["--brand-accent-text"] == "#595959"  # white accent: grey at 7:1
    assert contrast_ratio(block["--brand-primary-text"], primary) >= 4.5
    assert contrast_ratio(block["--brand-link"], "#ffffff") >= 4.5
    assert contrast_ratio(block["--brand-link"], PAGE_BACKGROUND) >= 4.5
    if link:
        assert block["--brand-link"] == link
    else:
        assert block["--brand-link"].lower() != primary.lower()


def test_the_partner_console_has_the_brand_block_too(db: None) -> None:
    block = _brand_block("localhost")
    assert block["--brand-primary-text"] == "#ffffff"


class _Form(forms.Form):
    title = forms.CharField(label="Title", help_text="In a few words.")
    urgent = forms.BooleanField(label="Urgent", required=False)


def test_a_form_renders_label_hint_error_and_input_in_one_way() -> None:
    html = str(_Form(data={"title": ""}))
    assert html == _Form(data={"title": ""}).as_p()  # as_p is the same drawing
    title = html.index('for="id_title"'), html.index("In a few words."), html.index("errorlist")
    assert title == tuple(sorted(title)), "label, then hint, then error"
    assert html.index("errorlist") < html.index('name="title"')
    assert 'class="field has-error' in html
    assert 'aria-describedby="id_title_helptext id_title_error"' in html
    assert 'id="id_title_error"' in html
    assert 'class="field checkbox"' in html


def test_the_components_page_exists_in_development_only(tenant_a: Any) -> None:
    client = WebClient(HTTP_HOST="a.localhost")
    with override_settings(DEV_COMPONENTS=False):
        assert client.get("/dev/components/").status_code == 404
        assert client.get("/dev/components/feedback/").status_code == 404
    with override_settings(DEV_COMPONENTS=True):
        page = client.get("/dev/components/")
        assert page.status_code == 200
        text = page.content.decode()
        for part in ('class="pill', 'class="list stack"', 'data-testid="empty"', 'class="field'):
            assert part in text, part
        feedback = client.get("/dev/components/feedback/")
        assert "feedback" in feedback["HX-Trigger"]
