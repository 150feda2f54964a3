"""`/api/docs/` and `/api/redoc/` work offline: Chromium loads the page, every request it makes
stays on the host, and Swagger UI and ReDoc draw the API's operations from the schema."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("host", "operation"),
    [("a.localhost", "/api/v1/requisitions/"), ("localhost", "/api/v1/partner/tenants/")],
)
def test_the_docs_load_with_no_request_leaving_the_host(
    page: Any, live_server_url: str, host: str, operation: str
) -> None:
    base = live_server_url.format(host=host)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(base + "/api/docs/")
    page.locator(".opblock-summary-path").first.wait_for(state="visible")
    # Swagger UI draws a long list of operations as the reader scrolls (a virtualised list):
    # scroll as a reader would until the operation is drawn.
    wanted = page.locator(".opblock-summary-path", has_text=operation)
    for _ in range(200):
        if wanted.count():
            break
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(50)
    wanted.first.wait_for(state="visible")
    origin = urlsplit(base).netloc
    assert requests, "the page made no request"
    away = [
        url for url in requests if urlsplit(url).scheme != "data" and urlsplit(url).netloc != origin
    ]
    assert not away, away
    assert any("/static/drf_spectacular_sidecar/" in url for url in requests)


@pytest.mark.parametrize(
    ("host", "operation"),
    [("a.localhost", "/api/v1/requisitions/"), ("localhost", "/api/v1/partner/tenants/")],
)
def test_redoc_loads_with_no_request_leaving_the_host(
    page: Any, live_server_url: str, host: str, operation: str
) -> None:
    base = live_server_url.format(host=host)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(base + "/api/redoc/")
    page.get_by_text(operation, exact=True).first.wait_for(state="attached")
    origin = urlsplit(base).netloc
    away = [
        url  # data: and blob: (the search worker) are in memory, not requests
        for url in requests
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != origin
    ]
    assert not away, away
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in requests)
