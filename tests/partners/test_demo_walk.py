"""Issue 35's "done when", on the demo as `make demo` seeds it, walked as Northwind's people
and Acme's admin do it: over the pages and the API, each signing in with the password and the
code of their authenticator (the seeded secrets the README prints; Acme's admin sets one up on
/account/security/ to publish, as docs/partners.md says).

Northwind publishes its seeded template to globex as pilot and then acme, sees acme's drift,
requests support access to acme, admin@acme.example approves it, the partner support user reads
acme's exceptions and every read shows in acme's audit trail; a sandbox of acme tries a
tolerance change that is then promoted; partner/usage/ lists both tenants' month.

The demo is seeded once, inside the test's transaction (rolled back at its end)."""

from __future__ import annotations

import copy
import html
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from django.test import Client as Browser
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.demo.partner_ops import TEMPLATE_NAME
from apps.demo.second_factor import DEMO_TOTP_SECRETS
from apps.demo.tenants import demo_password, seed_demo
from apps.invoices.models import InvoiceException
from apps.policies.models import PolicyManagement
from apps.policies.selectors import policy_published
from apps.tenancy.context import public_context, tenant_context
from apps.tenancy.models import Client

pytestmark = pytest.mark.django_db

CONSOLE = "localhost"
WIDER = {"percent": 5, "absolute": 200, "combine": "and"}


# --------------------------------------------------------------------------- second factor
def code_of(secret: str, email: str, schema: Callable[[], Any]) -> str:
    """The code the person's authenticator app (holding `secret`) shows: the current one, or,
    when that step's code was taken already, the next one (what the person waits for)."""
    with schema():
        device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = int(now // totp.interval)
    ahead = max(0, device.last_t + 1 - step)
    return str(totp.at(now + ahead * totp.interval))


def partner_code(email: str) -> str:
    return code_of(DEMO_TOTP_SECRETS[email], email, public_context)


def console_signed_in(email: str) -> Browser:
    """A partner person signs in on the console: password, then the authenticator's code."""
    browser = Browser(HTTP_HOST=CONSOLE)
    signed = browser.post("/login/", {"username": email, "password": demo_password()})
    assert signed.status_code == 302, signed.content.decode()[:500]
    asked = browser.get("/partner/")
    assert asked.status_code == 302 and asked["Location"].startswith("/account/verify/")
    verified = browser.post("/account/verify/", {"code": partner_code(email)})
    assert verified.status_code == 302, verified.content.decode()[:1000]
    assert browser.get("/partner/").status_code == 200
    return browser


def partner_api(email: str) -> APIClient:
    """A partner person's script: a token for password and code (docs/partners.md)."""
    api = APIClient(HTTP_HOST=CONSOLE)
    answer = api.post(
        "/api/v1/auth/token/",
        {"username": email, "password": demo_password(), "otp": partner_code(email)},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return api


def tenant_signed_in(host: str, email: str, password: str | None = None) -> Browser:
    browser = Browser(HTTP_HOST=host)
    signed = browser.post("/login/", {"username": email, "password": password or demo_password()})
    assert signed.status_code == 302, signed.content.decode()[:500]
    return browser


def authenticator_set_up(browser: Browser) -> str:
    """The person opens /account/security/, types the key it shows into their app and confirms
    the app's code; returns the key (base32, as the app holds it)."""
    page = browser.get("/account/security/")
    assert page.status_code == 200, page.content.decode()[:500]
    shown = re.search(r'data-testid="mfa-key">([^<]+)<', page.content.decode())
    assert shown, page.content.decode()[:2000]
    secret = re.sub(r"\s", "", html.unescape(shown.group(1))).upper()
    confirmed = browser.post(
        "/account/security/", {"action": "confirm", "code": pyotp.TOTP(secret).now()}
    )
    assert confirmed.status_code == 200, confirmed.content.decode()[:2000]
    assert "recovery codes" in confirmed.content.decode().lower()
    return secret


def published_after_editing(
    browser: Browser, tenant: Client, change: Callable[[dict[str, Any]], None]
) -> Any:
    """On /settings/policies/: a new draft from the published policy, the change typed into
    its document, saved and published."""
    with tenant_context(tenant):
        current = policy_published()
    assert browser.get("/settings/policies/").status_code == 200
    made = browser.post("/settings/policies/new/", {"from": current.number})
    assert made.status_code == 302, made.content.decode()[:1000]
    number = int(re.search(r"/settings/policies/(\d+)/", made["Location"]).group(1))  # type: ignore[union-attr]
    document = copy.deepcopy(current.document)
    change(document)
    saved = browser.post(
        f"/settings/policies/{number}/", {"document": json.dumps(document), "publish": "1"}
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    with tenant_context(tenant):
        now = policy_published()
    assert now.number == number, "the edited draft is the published policy"
    return now


# --------------------------------------------------------------------------- the walk
def test_northwind_runs_acme_and_globex_as_the_issue_says() -> None:
    seed_demo()
    acme, globex = Client.objects.get(slug="acme"), Client.objects.get(slug="globex")
    acme_host = "acme.localhost"

    # 1. operator@ publishes the seeded template to globex as the pilot ...
    operator = console_signed_in("operator@northwind.example")
    listing = operator.get("/partner/templates/").content.decode()
    link = rf'<a href="/partner/templates/(\d+)/">{re.escape(TEMPLATE_NAME)}</a>'
    found = re.search(link, listing)
    assert found, listing[:3000]
    template = int(found.group(1))
    publish = f"/partner/templates/{template}/publish/"
    preview = operator.get(publish, {"version": "1", "stage": "pilot", "tenants": "globex"})
    assert preview.status_code == 200 and 'data-testid="preview-globex"' in preview.content.decode()
    piloted = operator.post(publish, {"version": 1, "stage": "pilot", "tenants": "globex"})
    assert piloted.status_code == 302, piloted.content.decode()[:2000]
    page = operator.get(f"/partner/templates/{template}/").content.decode()
    assert 'data-rollout="globex"' in page and 'data-rollout="acme"' not in page
    with tenant_context(globex):
        assert PolicyManagement.objects.exists()
    with tenant_context(acme):
        assert not PolicyManagement.objects.exists(), "the pilot reached acme"
    # ... then to the rest: acme
    rest = operator.get(publish, {"version": "1", "stage": "all"}).content.decode()
    assert 'data-testid="preview-acme"' in rest and "preview-globex" not in rest
    assert operator.post(publish, {"version": 1, "stage": "all"}).status_code == 302
    page = operator.get(f"/partner/templates/{template}/").content.decode()
    assert 'data-rollout="globex"' in page and 'data-rollout="acme"' in page
    with tenant_context(acme):
        follows = policy_published().document
    assert follows["settings"]["budget_mode"] == "block"
    assert follows["settings"]["default_sla_hours"] == 16

    # admin@acme sees the template on the policy page, sets up an authenticator (publishing
    # asks for a fresh second factor) and changes the approval SLA, a local field
    admin = tenant_signed_in(acme_host, "admin@acme.example")
    policies = admin.get("/settings/policies/").content.decode()
    assert "Managed by Northwind Partners" in policies
    authenticator_set_up(admin)

    def quicker_approvals(document: dict[str, Any]) -> None:
        document["settings"]["default_sla_hours"] = 8

    published_after_editing(admin, acme, quicker_approvals)
    # the drift report shows acme's change, who made it; the API says the same
    drift = operator.get("/partner/templates/", {"tenant": "acme"}).content.decode()
    rows = re.findall(r'<tr data-tenant="acme" data-field="([^"]+)"', drift)
    assert rows == ["settings.default_sla_hours"]
    assert "admin@acme.example" in drift and "Local change" in drift
    operator_api = partner_api("operator@northwind.example")
    reported = operator_api.get("/api/v1/partner/drift/", {"tenant": "acme"})
    assert reported.status_code == 200, reported.content
    [acme_drift] = [row for row in reported.json()["tenants"] if row["tenant"] == "acme"]
    [field] = acme_drift["fields"]
    assert (field["field"], field["kind"], field["tenant_value"], field["template_value"]) == (
        "settings.default_sla_hours",
        "local_override",
        8,
        16,
    )

    # 2. support@ asks acme for read-only access; admin@acme approves it on their page
    support = console_signed_in("support@northwind.example")
    asked = support.post(
        "/partner/support/",
        {"tenant": "acme", "reason": "Invoices stuck in matching", "scope": "read", "hours": 2},
    )
    assert asked.status_code == 302, asked.content.decode()[:2000]
    mine = support.get("/partner/support/").content.decode()
    grant = int(re.search(r'<tr data-grant="(\d+)">', mine).group(1))  # type: ignore[union-attr]
    waiting = admin.get("/settings/support-access/").content.decode()
    assert f'data-grant="{grant}"' in waiting and "Invoices stuck in matching" in waiting
    approved = admin.post("/settings/support-access/", {"grant": grant, "action": "approve"})
    assert approved.status_code == 302
    active = admin.get("/settings/support-access/").content.decode()
    assert 'data-testid="support-active"' in active and f'data-grant="{grant}"' in active
    with tenant_context(acme):
        decided = AuditEvent.objects.get(action="support_access.approved", subject_id=str(grant))
    assert decided.actor == "admin@acme.example"
    # "Open Acme's portal": the stand-in reads the exceptions, list and one of them
    assert "Open Acme Corporation" in support.get("/partner/support/").content.decode()
    handed = support.post(f"/partner/support/{grant}/open/")
    assert handed.status_code == 302, handed.content.decode()[:1000]
    ticket = urlsplit(handed["Location"])
    assert ticket.hostname == acme_host
    inside = Browser(HTTP_HOST=acme_host)
    entered = inside.get(ticket.path)
    assert entered.status_code == 302 and entered["Location"] == "/"
    exceptions = inside.get("/exceptions/")
    assert exceptions.status_code == 200
    with tenant_context(acme):
        one = InvoiceException.objects.filter(status="open").order_by("pk").first()
    assert one is not None
    read = [("GET", "/exceptions/"), ("GET", f"/exceptions/{one.pk}/")]
    assert inside.get(f"/exceptions/{one.pk}/").status_code == 200
    assert inside.get("/api/v1/exceptions/").status_code == 200
    read.append(("GET", "/api/v1/exceptions/"))
    with tenant_context(acme):
        calls = list(AuditEvent.objects.filter(action="support.request", subject_id=str(grant)))
    assert {(c.data["method"], c.data["path"]) for c in calls} >= set(read)
    assert all(c.data["grant"] == grant for c in calls)
    standin = f"support+grant{grant}@northwind.example"
    assert {c.actor for c in calls} == {standin}
    trail = admin.get("/audit/", {"subject_type": "access_grant", "subject_id": str(grant)})
    assert trail.status_code == 200 and standin in trail.content.decode()
    # "What they did": each row names the page or call the support person made
    call = r'data-testid="support-call">(\S+) (\S+) (\d+)</code>'
    shown = re.findall(call, trail.content.decode())
    assert len(shown) == len(calls)
    assert {(how, html.unescape(path)) for how, path, _ in shown} >= set(read)
    assert {status for _, _, status in shown} == {"200"}

    # 3. a sandbox of acme: its stand-in admin widens the price tolerance, the partner promotes
    made = operator.post("/partner/tenants/acme/sandboxes/")
    assert made.status_code == 302, made.content.decode()[:1000]
    sandbox_page = operator.get(made["Location"]).content.decode()
    sandbox = Client.objects.get(sandbox_of=acme)
    password = re.search(r"the password (\S+): note it now", html.unescape(sandbox_page))
    assert password, sandbox_page[:3000]
    sandbox_host = sandbox.domains.get(is_primary=True).domain
    trial = tenant_signed_in(
        sandbox_host, f"tenant-admin@{sandbox.slug}.sandbox.test", password.group(1)
    )
    authenticator_set_up(trial)

    def wider_price(document: dict[str, Any]) -> None:
        document["invoices"]["tolerances"]["price"] = WIDER

    published_after_editing(trial, sandbox, wider_price)
    assert 'data-testid="promote-link"' in operator.get(made["Location"]).content.decode()
    promoted = operator.post(f"/partner/tenants/{sandbox.slug}/promote/", {"template": ""})
    assert promoted.status_code == 302, promoted.content.decode()[:2000]
    assert promoted["Location"] == f"{publish}?version=2&tenants=acme&stage=pilot"
    on_acme = operator.get(promoted["Location"]).content.decode()
    assert 'data-testid="preview-acme"' in on_acme
    assert "Invoice matching \u203a tolerances" in on_acme
    with tenant_context(acme):  # nothing published before the partner confirms
        assert policy_published().document["invoices"]["tolerances"]["price"] != WIDER
    confirmed = operator.post(publish, {"version": 2, "stage": "pilot", "tenants": "acme"})
    assert confirmed.status_code == 302, confirmed.content.decode()[:2000]
    with tenant_context(acme):
        now = policy_published().document
        assert not User.objects.filter(email__endswith=".sandbox.test").exists()
    assert now["invoices"]["tolerances"]["price"] == WIDER
    assert now["settings"]["default_sla_hours"] == 8  # acme's own local value stays
    assert now["settings"]["budget_mode"] == "block"  # the template's lock holds

    # 4. billing@ reads both clients' month on the console and over the API
    month = timezone.localdate().strftime("%Y-%m")
    billing_api = partner_api("billing@northwind.example")
    usage = billing_api.get("/api/v1/partner/usage/", {"month": month})
    assert usage.status_code == 200, usage.content
    assert usage.json()["month"] == month
    figures = {row["slug"]: row for row in usage.json()["tenants"]}
    assert {"acme", "globex"} <= set(figures)
    assert figures["acme"]["active_users"] >= 1  # admin@acme signed in during the walk
    billing = console_signed_in("billing@northwind.example")
    listed = billing.get("/partner/usage/", {"month": month})
    assert listed.status_code == 200
    assert 'data-tenant="acme"' in listed.content.decode()
    assert 'data-tenant="globex"' in listed.content.decode()
