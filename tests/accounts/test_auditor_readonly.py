"""Auditors read every record and change nothing: every write route of the tenant site (API
and pages), found by walking the URL patterns, refuses them with 403 and writes nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from apps.accounts.readonly import AUDITOR_WRITES
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SAMPLES = {"uuid": str(uuid.UUID(int=7)), "int": "1", "str": "x", "slug": "x", "path": "x"}
REGEX_SAMPLES = [str(uuid.UUID(int=7)), "1", "x"]


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str | None]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


def _concrete(template: str, name: str | None, urlconf: str) -> str | None:
    """A path that resolves to this pattern, with sample values for its parameters."""
    path = re.sub(r"(^|/)\^", r"\1", template).replace("$", "")
    path = re.sub(r"(?<!\?P)<(?:(\w+):)?(\w+)>", lambda m: SAMPLES[m.group(1) or "str"], path)
    groups = re.findall(r"\(\?P<\w+>[^)]*\)", path)
    for sample in REGEX_SAMPLES:
        filled = re.sub(r"\(\?P<\w+>[^)]*\)", sample, path) if groups else path
        candidate = "/" + filled.replace("\\", "")
        try:
            if resolve(candidate, urlconf=urlconf).url_name == name:
                return candidate
        except Resolver404:
            continue
    return None


def tenant_routes() -> list[tuple[str, str | None]]:
    urlconf = "config.urls_tenant"
    found = []
    for template, name in _routes(get_resolver(urlconf).url_patterns):
        if template.startswith("admin/") or "(?P<format>" in template:
            continue
        path = _concrete(template, name, urlconf)
        assert path is not None, f"no sample path for {template}"
        found.append((path, name))
    return found


def test_every_write_route_refuses_auditors(
    tenant_a: Any, make_user: Any, api_for: Any, in_tenant: Any
) -> None:
    auditor = make_user(tenant_a, "auditor", ["auditor"])
    api = api_for(tenant_a, auditor)  # token
    web = api_for(tenant_a)  # session
    with in_tenant(tenant_a):
        web.force_login(auditor)
        before = AuditEvent.objects.count()
    routes = tenant_routes()
    assert len(routes) > 80  # the walk found the site, not a handful
    checked = 0
    for path, name in routes:
        if name in AUDITOR_WRITES:
            continue
        if path.startswith("/api/"):
            for method in ("post", "put", "patch", "delete"):
                response = getattr(api, method)(path, {}, format="json")
                assert response.status_code == 403, (method, path, response.status_code)
                assert response.json()["code"] == "permission_denied", path
        else:
            response = web.post(path, {})
            assert response.status_code == 403, (path, response.status_code)
        checked += 1
    assert checked > 70
    with in_tenant(tenant_a):
        assert AuditEvent.objects.count() == before  # nothing happened


def test_auditors_read_every_list(tenant_a: Any, make_user: Any, api_for: Any) -> None:
    auditor = make_user(tenant_a, "auditor", ["auditor"])
    api = api_for(tenant_a, auditor)
    lists = [
        path
        for path, name in tenant_routes()
        if path.startswith("/api/v1/")
        and "00000000" not in path
        and "/x/" not in path
        and "/1/" not in path
        and name not in {"api-token"}
    ]
    assert len(lists) > 15
    answers = {path: api.get(path).status_code for path in lists}
    # never refused; POST-only actions answer 405 and a diff without versions 404
    assert {p: s for p, s in answers.items() if s in (401, 403)} == {}
    assert sum(1 for s in answers.values() if s == 200) > 15


def test_other_roles_still_write(org: Any, api_for: Any) -> None:
    from tests.org import requisition_body

    response = api_for(org.tenant, org.requester).post(
        "/api/v1/requisitions/", requisition_body(), format="json"
    )
    assert response.status_code == 201, response.content
