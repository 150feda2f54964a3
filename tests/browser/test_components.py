"""The living page /dev/components/ keeps the rules it shows: at 1366 and 375 px nothing
overflows, no word breaks in a table cell, and its HTMX sample answers in the live region.
The page is rendered by Django and served to Chromium with the real stylesheet and scripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client as WebClient
from django.test import override_settings

from tests.browser.gallery import WIDTHS, measure

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
ORIGIN = "http://components.test"


def test_the_components_page_keeps_its_own_rules(page: Any, tenant_a: Any) -> None:
    client = WebClient(HTTP_HOST="a.localhost")
    with override_settings(DEV_COMPONENTS=True):
        html = client.get("/dev/components/").content
        feedback = client.get("/dev/components/feedback/")

    def serve(route: Any) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/dev/components/":
            route.fulfill(body=html, content_type="text/html; charset=utf-8")
        elif path == "/dev/components/feedback/":
            route.fulfill(body="", headers={"HX-Trigger": feedback["HX-Trigger"]})
        elif path.startswith(settings.STATIC_URL) and (
            found := finders.find(path.removeprefix(settings.STATIC_URL))
        ):
            route.fulfill(path=str(found))
        else:
            route.fulfill(status=404, body="")

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/dev/components/")
    folder = os.environ.get("SPENDGATE_SCREENSHOTS")  # make screenshots: in the gallery too
    shots = Path(folder) if folder else None
    for width in WIDTHS:
        assert measure(page, "/dev/components/", width, shots, "components") == []
    page.get_by_test_id("feedback-sample").click()
    page.wait_for_function("document.getElementById('feedback').textContent.length > 0")
    assert "Saved" in page.inner_text("#feedback")
