"""The API docs work offline: Swagger UI (`/api/docs/`) on the tenant and the partner host
references only files this host serves (the pinned drf-spectacular-sidecar bundle), and the
page's policy names no other origin and allows nothing inline."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import lxml.html
import pytest
from django.test import Client

from tests.conftest import host_of, runserver

pytestmark = pytest.mark.django_db


def _policy(header: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def _assets(html: str) -> list[str]:
    tree = lxml.html.fromstring(html)
    return [
        *tree.xpath("//script/@src"),
        *tree.xpath("//link[@rel='stylesheet' or @rel='icon']/@href"),
    ]


@pytest.mark.parametrize("tenant_host", [True, False], ids=["tenant", "partner"])
def test_the_docs_pages_and_their_files_come_from_this_host(
    tenant_a: Any, tenant_host: bool
) -> None:
    browser = Client(HTTP_HOST=host_of(tenant_a) if tenant_host else "localhost")
    response = browser.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = _assets(html)
    assert any("drf_spectacular_sidecar" in url for url in assets), assets
    for url in assets:
        assert url.startswith("/"), url  # same host: no scheme, no other origin
        fetched = browser.get(url)
        assert fetched.status_code == 200, url
        body = b"".join(fetched.streaming_content) if fetched.streaming else fetched.content
        assert body, url
    assert not re.search(r"https?://", " ".join(assets))
    assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html
    policy = _policy(response["Content-Security-Policy"])
    sources = [source for values in policy.values() for source in values]
    assert not [s for s in sources if s.startswith("http") or s.endswith(".net")], sources
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    assert re.search(r"<script>\s*\S", html) is None  # no inline script


def test_swagger_ui_starts_from_a_file_and_styles_only_with_the_nonce(tenant_a: Any) -> None:
    browser = Client(HTTP_HOST=host_of(tenant_a))
    response = browser.get("/api/docs/")
    html = response.content.decode()
    nonce = re.search(r'<style nonce="([^"]+)">', html)
    assert nonce is not None
    policy = _policy(response["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce.group(1)}'"]
    assert policy["script-src"] == ["'self'"]
    assert '<script src="/api/docs/?script="></script>' in html
    script = browser.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize("tenant_host", [True, False], ids=["tenant", "partner"])
def test_redoc_comes_from_this_host_and_runs_only_its_files(
    tenant_a: Any, tenant_host: bool
) -> None:
    browser = Client(HTTP_HOST=host_of(tenant_a) if tenant_host else "localhost")
    response = browser.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = _assets(html)
    assert any("drf_spectacular_sidecar/redoc" in url for url in assets), assets
    for url in assets:
        assert url.startswith("/"), url
        assert browser.get(url).status_code == 200, url
    assert "fonts.googleapis" not in html and "cdn." not in html
    scripts = lxml.html.fromstring(html).xpath("//script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts)
    policy = _policy(response["Content-Security-Policy"])
    sources = [source for values in policy.values() for source in values]
    assert not [s for s in sources if s.startswith("http")], sources
    # the bundle's run-time styles are the one thing allowed inline; never scripts
    assert policy["script-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]  # the bundle's CDN logo is refused


def test_a_new_server_answers_readers_who_ask_for_the_schema_at_once(tenant_a: Any) -> None:
    """Swagger UI and a second reader (a client generator, another tab) asking a freshly started
    server for the schema at the same moment both get it: generation is one at a time."""
    with runserver() as port:

        def fetch(index: int) -> int:
            shape = "?format=json" if index % 2 else ""
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/schema/{shape}", headers={"Host": host_of(tenant_a)}
            )
            try:
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                    return int(response.status)
            except urllib.error.HTTPError as exc:
                return int(exc.code)

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(fetch, range(6)))
        assert statuses == [200] * 6
