"""Response headers and deployment checks: a Content-Security-Policy with no inline script on
every page, the schema behind sign-in where configured, `check --deploy` clean in production."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from tests.conftest import ROOT, host_of

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_pages_carry_a_policy_without_inline_script(tenant_a: Any) -> None:
    response = Client(HTTP_HOST=host_of(tenant_a)).get("/login/")
    policy = _directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    # the brand colours reach the page through the one nonce'd style block
    nonce = re.search(r'<style nonce="([^"]+)">:root', response.content.decode())
    assert nonce is not None
    assert f"'nonce-{nonce.group(1)}'" in policy["style-src"]
    assert "<script>" not in response.content.decode()
    assert " onchange=" not in response.content.decode()


def test_the_schema_is_behind_sign_in_where_configured(
    tenant_a: Any, make_user: Any, api_for: Any, settings: Any
) -> None:
    settings.API_SCHEMA_PUBLIC = False
    anonymous = api_for(tenant_a)
    assert anonymous.get("/api/schema/").status_code == 401
    assert anonymous.get("/api/docs/").status_code == 401
    signed_in = api_for(tenant_a, make_user(tenant_a, "reader", ["requester"]))
    assert signed_in.get("/api/schema/?format=json").status_code == 200
    settings.API_SCHEMA_PUBLIC = True
    assert anonymous.get("/api/schema/?format=json").status_code == 200


def test_the_docs_page_runs_no_inline_script(tenant_a: Any) -> None:
    response = Client(HTTP_HOST=host_of(tenant_a)).get("/api/docs/")
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"]
    page = response.content.decode()
    assert re.search(r"<script>\s*\S", page) is None
    script = Client(HTTP_HOST=host_of(tenant_a)).get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_check_deploy_is_clean_under_production_settings() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DJANGO_ALLOWED_HOSTS": ".spendgate.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
