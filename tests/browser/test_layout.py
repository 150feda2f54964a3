"""No page overflows a 1280-pixel window: every demo role signs in to a tenant seeded with the
demo's three months of activity, and every page it opens from its menu (and the first record
of each kind those pages link to) is measured in Chromium."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_payment_release import _fits
from tests.conftest import PASSWORD
from tests.portal.test_words import DEMO_USERS, DETAIL

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_tenant(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A tenant of its own holding the demo (committed, for the server), dropped afterwards."""
    from django.db import connection

    from apps.accounts.models import User
    from apps.demo.suppliers import ensure_sanctions_list
    from apps.demo.tenants import seed_tenant
    from apps.tenancy.context import public_context
    from apps.tenancy.models import Client
    from apps.tenancy.services import tenant_provision

    slug = f"lay{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        partner = User.objects.get(email="partner@partner.test")
        tenant = tenant_provision(
            actor=partner, slug=slug, name=slug, domain=f"{slug}.localhost", brand={}
        )
        with public_context():
            ensure_sanctions_list()
        seed_tenant(tenant, password=PASSWORD)
        connection.set_schema_to_public()
        try:
            yield slug
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{slug}" CASCADE')
            Client.objects.filter(slug=slug).delete()


@pytest.mark.parametrize("local", DEMO_USERS)
def test_every_page_of_every_role_fits_1280_pixels(
    page: Any, live_server_url: str, demo_tenant: str, local: str
) -> None:
    base = live_server_url.format(host=f"{demo_tenant}.localhost")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(base + "/login/")
    page.fill("#id_username", f"{local}@{demo_tenant}.example")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login/" not in url)  # a supplier lands on its portal
    menu = ["/", *re.findall(r'href="([^"]+)" data-menu=', page.content())]
    assert len(menu) > 1, f"{local} has no menu"
    seen_kinds: set[str] = set()
    opened: list[str] = []
    for path in menu:
        page.goto(base + path)
        _fits(page)
        opened.append(path)
        for link in DETAIL.findall(page.content()):
            kind = link.split("/")[1]
            if kind in seen_kinds:
                continue
            seen_kinds.add(kind)
            page.goto(base + link)
            _fits(page)
            opened.append(link)
    assert len(opened) >= len(menu)
