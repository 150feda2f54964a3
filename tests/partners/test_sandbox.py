"""Sandbox tenants: made from a production tenant, they hold its configuration and none of its
people's or suppliers' data (every table of the sandbox's schema is scanned for it), and what
happens in them stays inside: mail in the demo mail store, webhooks to test receivers only."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage, mailers, send_mail
from django.db import connection, transaction
from django.test import override_settings
from psycopg import sql
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.services import user_ensure, user_invite
from apps.integrations.models import WebhookDelivery
from apps.integrations.services.deliveries import endpoint_test
from apps.integrations.services.endpoints import endpoint_create
from apps.integrations.webhooks.delivery import deliver_due
from apps.integrations.webhooks.guard import UnsafeUrl
from apps.partners.sandbox.selectors import sandbox_policy_document, sandbox_production
from apps.partners.sandbox.services import SandboxCreated, sandbox_create
from apps.partners.sandbox.standins import standin_email
from apps.policies.models import ApprovalLimit, PolicyVersion
from apps.policies.selectors import policy_published
from apps.policies.services import approval_limit_set, policy_draft_create, policy_publish
from apps.suppliers.models import BankAccount, Supplier, SupplierContact
from apps.suppliers.secrets import encrypt, fingerprint
from apps.tenancy.context import tenant_context
from apps.tenancy.devmail import kept_mail
from apps.tenancy.models import Client
from tests.conftest import PASSWORD
from tests.integrations.conftest import Receiver, receiver  # noqa: F401
from tests.org import Org

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]

IBAN = "DE89370400440532013000"


@dataclass
class Personal:
    """What the production tenant holds of people and suppliers: none of it may reach the
    sandbox."""

    needles: list[str]
    approver_email: str


@pytest.fixture
def personal(org: Org, in_tenant: Any) -> Personal:
    with in_tenant(org.tenant), transaction.atomic():
        cfo = user_ensure(
            email="wilhelmina.quarterstaff@client-real.example",
            password=PASSWORD,
            roles=["approver"],
            first_name="Wilhelmina",
            last_name="Quarterstaff",
            manager=org.manager,
        )
        user_ensure(
            email="b.inkwell@client-real.example",
            password=PASSWORD,
            roles=["ap_clerk"],
            first_name="Bartholomew",
            last_name="Inkwell",
        )
        approval_limit_set(actor=org.admin, currency="USD", amount=Decimal("75000"), user=cfo)
        approval_limit_set(actor=org.admin, currency="USD", amount=Decimal("5000"), role="manager")
        document = copy.deepcopy(policy_published().document)
        document["rules"].insert(
            0,
            {
                "id": "cfo-signs-big",
                "name": (
                    "Above 50,000: Wilhelmina Quarterstaff"
                    " (wilhelmina.quarterstaff@client-real.example)"
                ),
                "when": "amount > 50000.0",
                "steps": [{"approver": {"type": "user", "email": cfo.email}}],
            },
        )
        policy_publish(
            actor=org.admin,
            version=policy_draft_create(actor=org.admin, document=document, note="CFO rule"),
        )
        supplier = Supplier.objects.create(
            name="Quillfeather Trading GmbH",
            country="DE",
            tax_id="DE813774921",
            email="sales@quillfeather.example",
            phone="+49 30 5550199",
            status=Supplier.Status.APPROVED,
        )
        SupplierContact.objects.create(
            supplier=supplier,
            name="Ottoline Brackenbury",
            email="ottoline@quillfeather.example",
            phone="+49 30 5550142",
        )
        account = BankAccount.objects.create(
            supplier=supplier,
            account_holder="Quillfeather Trading GmbH",
            number_encrypted=encrypt(IBAN),
            last4=IBAN[-4:],
            scheme="iban",
            bic="COBADEFFXXX",
            bank_country="DE",
            fingerprint=fingerprint("iban", IBAN),
        )
        people = [
            (u.email, u.first_name, u.last_name)
            for u in User.objects.exclude(email__endswith=".sandbox.test")
        ]
    needles = [
        *(address for address, _first, _last in people),
        "Wilhelmina",
        "Quarterstaff",
        "Bartholomew",
        "Inkwell",
        "Quillfeather",
        "DE813774921",
        "sales@quillfeather.example",
        "5550199",
        "Ottoline",
        "Brackenbury",
        "5550142",
        IBAN,
        account.number_encrypted,
        account.fingerprint,
        "COBADEFFXXX",
    ]
    return Personal(needles=needles, approver_email=cfo.email)


def _partner(email: str = "partner@partner.test") -> User:
    return User.objects.get(email=email)


@pytest.fixture
def created(org: Org, personal: Personal) -> SandboxCreated:
    return sandbox_create(actor=_partner(), from_client=org.tenant)


def _schema_text(schema: str) -> dict[str, str]:
    """Every row of every table of `schema`, as text, by table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        tables = [name for (name,) in cursor.fetchall()]
        found = {}
        for table in tables:
            cursor.execute(
                sql.SQL("SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM {}.{} t").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
            found[table] = cursor.fetchone()[0]
    return found


def test_the_sandbox_holds_the_configuration_and_no_personal_or_bank_data(
    org: Org, personal: Personal, created: SandboxCreated, in_tenant: Any
) -> None:
    sandbox = created.client
    assert sandbox.is_sandbox and sandbox.sandbox_of == org.tenant
    assert sandbox.slug == "tenantasbx" and sandbox.domains.get().domain == "a-sandbox.localhost"
    assert sandbox.portal_name == "Alpha Purchasing (sandbox)" and sandbox.support_email == ""

    tables = _schema_text(sandbox.schema_name)
    assert len(tables) > 50  # every table of the schema was read
    leaks = {
        needle: [table for table, text in tables.items() if needle.lower() in text.lower()]
        for needle in personal.needles
    }
    assert {needle: where for needle, where in leaks.items() if where} == {}

    everything = "\n".join(tables.values())
    for code in ("US01", "DE01", "CC-100", "CC-300", "IT-HW", "SRV", "cfo-signs-big"):
        assert code in everything, code
    with in_tenant(sandbox):
        assert set(User.objects.values_list("email", flat=True)) == {
            standin_email(role, sandbox.slug)
            for role in (
                "requester",
                "approver",
                "manager",
                "buyer",
                "receiver",
                "ap_clerk",
                "ap_manager",
                "tenant_admin",
            )
        }
        approver = User.objects.get(email=standin_email("approver", sandbox.slug))
        assert approver.manager.email == standin_email("manager", sandbox.slug)
        assert approver.check_password(created.password)
        published = policy_published()
        rule = published.document["rules"][0]
        assert rule["id"] == "cfo-signs-big" and rule["when"] == "amount > 50000.0"
        assert rule["steps"][0]["approver"] == {"type": "user", "email": approver.email}
        assert "Approver Stand-in" in rule["name"]
        assert PolicyVersion.objects.filter(status="published").count() == 1
        limits = {(lim.user_id, lim.role, lim.amount) for lim in ApprovalLimit.objects.all()}
        assert limits == {(approver.pk, "", Decimal("75000")), (None, "manager", Decimal("5000"))}
        assert not Supplier.objects.exists() and not BankAccount.objects.exists()
    # what promotion reads: the production tenant and the sandbox's published document
    assert sandbox_production(sandbox) == org.tenant
    assert sandbox_policy_document(sandbox)["rules"][0]["id"] == "cfo-signs-big"


def test_the_creation_is_audited_in_the_public_schema_and_in_the_sandbox(
    created: SandboxCreated, in_tenant: Any
) -> None:
    from apps.audit.models import AuditEvent

    sandbox = created.client
    public = AuditEvent.objects.get(action="tenant.sandbox_provisioned", subject_id=sandbox.slug)
    assert public.actor == "partner@partner.test" and public.after["sandbox_of"] == "tenanta"
    with in_tenant(sandbox):
        event = AuditEvent.objects.get(action="sandbox.created")
        assert event.after["sandbox_of"] == "tenanta" and event.after["stand_ins"]


def test_mail_sent_in_a_sandbox_stays_in_the_demo_mail_store(
    created: SandboxCreated,
    org: Org,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Whatever the path (a service's send_mail on commit, EmailMessage.send, a mailer's own
    connection), nothing reaches the configured backend (the test settings' outbox)."""
    sandbox = created.client
    mail.outbox.clear()
    with override_settings(DEV_MAIL_DIR=tmp_path), tenant_context(sandbox):
        admin = User.objects.get(email=standin_email("tenant_admin", sandbox.slug))
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            user_invite(
                actor=admin,
                email="real.person@elsewhere.example",
                roles=["requester"],
                base_url="http://a-sandbox.localhost/",
            )
        EmailMessage("Direct", "body", to=["someone@elsewhere.example"]).send()
        with mailers.default as connection_made_early:
            connection_made_early.send_messages(
                [EmailMessage("Held", "body", to=["held@elsewhere.example"])]
            )
    assert mail.outbox == []
    with override_settings(DEV_MAIL_DIR=tmp_path):
        kept = {m.subject: m.to for m in kept_mail(sandbox.schema_name)}
    assert kept == {
        "[Sandbox] You are invited to Spendgate": ["real.person@elsewhere.example"],
        "[Sandbox] Direct": ["someone@elsewhere.example"],
        "[Sandbox] Held": ["held@elsewhere.example"],
    }
    # a production tenant's mail goes out through the configured backend, unmarked
    with tenant_context(org.tenant):
        send_mail("Hello", "body", None, ["someone@elsewhere.example"])
    assert [m.subject for m in mail.outbox] == ["Hello"]


def test_webhooks_of_a_sandbox_reach_allow_listed_test_receivers_only(
    created: SandboxCreated,
    receiver: Receiver,  # noqa: F811
) -> None:
    # override_settings in the body, nested inside the receiver's own: the settings fixture
    # would be undone out of order with it
    sandbox = created.client
    with tenant_context(sandbox):
        admin = User.objects.get(email=standin_email("tenant_admin", sandbox.slug))
        with (
            override_settings(SANDBOX_WEBHOOK_HOSTS=[]),
            pytest.raises(UnsafeUrl) as refused,
            transaction.atomic(),
        ):
            endpoint_create(actor=admin, data={"url": receiver.url})
        assert "sandbox" in refused.value.detail
        with override_settings(SANDBOX_WEBHOOK_HOSTS=["127.0.0.1"]):
            with transaction.atomic():
                endpoint, _secret = endpoint_create(actor=admin, data={"url": receiver.url})
                endpoint_test(actor=admin, endpoint_id=endpoint.pk)
            deliver_due()
        assert len(receiver.got) == 1  # the allow-listed test receiver gets it
        # the allow-list no longer names it: checked again at send, nothing leaves
        with override_settings(SANDBOX_WEBHOOK_HOSTS=[]):
            with transaction.atomic():
                delivery = endpoint_test(actor=admin, endpoint_id=endpoint.pk)
            deliver_due()
        delivery = WebhookDelivery.objects.get(pk=delivery.pk)
        assert len(receiver.got) == 1
        assert delivery.status != "succeeded" and "sandbox" in delivery.last_error


def test_a_sandbox_webhook_to_a_real_system_is_refused_over_the_api(
    created: SandboxCreated,
) -> None:
    sandbox = created.client
    api = APIClient(HTTP_HOST="a-sandbox.localhost")
    token = api.post(
        "/api/v1/auth/token/",
        {"username": standin_email("tenant_admin", sandbox.slug), "password": created.password},
        format="json",
    )
    assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = api.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://erp.client-real.example/hooks"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unsafe_url" and "sandbox" in response.json()["detail"]


def test_every_page_of_a_sandbox_says_so(created: SandboxCreated) -> None:
    from django.test import Client as Browser

    browser = Browser(HTTP_HOST="a-sandbox.localhost")
    login = browser.get("/login/")
    assert b'data-testid="sandbox-banner"' in login.content
    assert b"Sandbox of Tenant A" in login.content
    signed = browser.post(
        "/login/",
        {"username": standin_email("requester", created.client.slug), "password": created.password},
    )
    assert signed.status_code == 302
    home = browser.get("/")
    assert home.status_code == 200 and b"Sandbox of Tenant A" in home.content
    production = Browser(HTTP_HOST="a.localhost").get("/login/")
    assert b"sandbox-banner" not in production.content


def test_a_sandbox_is_made_from_a_production_tenant_only() -> None:
    from apps.controls.refusals import ValidationFailed

    tenant_a = Client.objects.get(slug="tenanta")
    first = sandbox_create(actor=_partner(), from_client=tenant_a)
    second = sandbox_create(actor=_partner("operator@partner.test"), from_client=tenant_a)
    assert (second.client.slug, second.client.domains.get().domain) == (
        "tenantasbx2",
        "a-sandbox2.localhost",
    )
    with pytest.raises(ValidationFailed) as refused:
        sandbox_create(actor=_partner(), from_client=first.client)
    assert "from_tenant" in refused.value.errors


def test_the_sandbox_reads_its_kept_mail_where_no_other_tenant_may(
    created: SandboxCreated, org: Org, tmp_path: Any
) -> None:
    """The demo mail viewer is off outside development (the test settings too), except on a
    sandbox, whose mail is always kept: its signed-in people read it there."""
    from django.test import Client as Browser

    sandbox = created.client
    with override_settings(DEV_MAIL_DIR=tmp_path, DEV_MAIL_VIEWER=False):
        with tenant_context(sandbox):
            send_mail("Welcome", "body", None, ["newcomer@elsewhere.example"])
        browser = Browser(HTTP_HOST="a-sandbox.localhost")
        browser.post(
            "/login/",
            {"username": standin_email("buyer", sandbox.slug), "password": created.password},
        )
        page = browser.get("/dev/mail/")
        assert page.status_code == 200 and b"[Sandbox] Welcome" in page.content
        production = Browser(HTTP_HOST="a.localhost")
        production.post("/login/", {"username": org.buyer.email, "password": PASSWORD})
        assert production.get("/").status_code == 200  # signed in
        assert production.get("/dev/mail/").status_code == 404
