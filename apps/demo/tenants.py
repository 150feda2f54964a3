"""The demo of CONTRACT §2: partner Northwind Partners, client tenants acme and globex with
their brands, one user per role, reference data. Idempotent: running it again changes nothing."""

from __future__ import annotations

import os
from typing import Any

import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_ensure
from apps.assistants.spend.services import spend_model_train
from apps.assurance.chain_checks import audit_chain_check
from apps.assurance.compliance import monthly_compliance_report
from apps.contracts.services.renewals import contract_renewal_alerts
from apps.demo.clock import HISTORY_DAYS, Timeline
from apps.demo.hosts import demo_port
from apps.insights.partner import client_days_roll_up
from apps.invoices.services.escalation import exceptions_sla_sweep
from apps.organization.services import reference_data_ensure
from apps.policies.models import PolicyVersion
from apps.suppliers.services.renewals import document_renewal_alerts
from apps.tenancy.context import public_context, tenant_context
from apps.tenancy.models import Client, Domain, PartnerMembership
from apps.tenancy.partner_roles import PARTNER_ADMIN as PARTNER_ADMIN_ROLE
from apps.tenancy.partner_roles import PARTNER_BILLING, PARTNER_OPERATOR, PARTNER_SUPPORT
from apps.tenancy.services import partner_ensure, tenant_provision
from apps.workflow.services import sla_sweep

from .contracts import seed_contracts
from .invoices import seed_invoices
from .partner_ops import seed_partner_operations
from .privacy import seed_former_requester
from .procurement import seed_procurement
from .provisioning import seed_provisioning
from .reference_data import demo_reference_data
from .second_factor import demo_authenticators, demo_second_factor_policy
from .suppliers import seed_suppliers

PARTNER_NAME = "Northwind Partners"
PARTNER_ADMIN = "partner@northwind.example"
TENANTS = [
    {
        "slug": "acme",
        "name": "Acme Corporation",
        "portal_name": "Acme Procurement",
        "primary_color": "#0B5FFF",
        "accent_color": "#0A2A66",
        "default_language": "en",
    },
    {
        "slug": "globex",
        "name": "Globex Industries",
        "portal_name": "Globex Buying Hub",
        "primary_color": "#D6336C",
        "accent_color": "#5C1130",
        "default_language": "fr",  # its people read French unless they choose otherwise
    },
]
# (local part, roles, first name, last name); manager is everyone's manager where it applies
DEMO_USERS = [
    ("manager", ["manager"], "Morgan", "Manager"),
    ("requester", ["requester"], "Riley", "Requester"),
    ("approver", ["approver"], "Avery", "Approver"),
    ("buyer", ["buyer"], "Blake", "Buyer"),
    ("receiver", ["receiver"], "Robin", "Receiver"),
    ("ap", ["ap_clerk"], "Alex", "Clerk"),
    ("apmanager", ["ap_manager"], "Jordan", "Payables"),
    ("auditor", ["auditor"], "Casey", "Auditor"),
    ("admin", ["tenant_admin"], "Taylor", "Admin"),
    ("compliance", ["compliance"], "Quinn", "Compliance"),
]
# More people who buy: (local part, first name, last name, cost center they buy for). The
# contract's requester@ buys for IT; every requester reports to manager@.
DEMO_REQUESTERS = [
    ("requester", "Riley", "Requester", "CC-100"),
    ("sam.okafor", "Sam", "Okafor", "CC-100"),
    ("priya.shah", "Priya", "Shah", "CC-100"),
    ("nina.berg", "Nina", "Berg", "CC-200"),
    ("lucas.meyer", "Lucas", "Meyer", "CC-200"),
    ("hannah.vogel", "Hannah", "Vogel", "CC-300"),
    ("jonas.keller", "Jonas", "Keller", "CC-300"),
]


def policy_in_force_since_opening() -> None:
    """The tenant opened under the default policy v1 (its schema is cloned from a template
    migrated earlier, or later, than the demo's history): v1 took effect when the tenant
    opened, before any decision it governs."""
    PolicyVersion.objects.filter(number=1, published_at__gt=timezone.now()).update(
        published_at=timezone.now()
    )


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "demo-pass-2026")


def ensure_public_tenant(domain: str = "localhost") -> Client:
    with transaction.atomic():
        public = Client.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
        if public is None:
            public = Client(
                schema_name=settings.PUBLIC_SCHEMA_NAME,
                slug="public",
                name="Spendgate",
                portal_name="Spendgate Partner Console",
            )
            public.save()
        Domain.objects.get_or_create(domain=domain, defaults={"tenant": public, "is_primary": True})
    return public


def ensure_partner_admin(
    *,
    email: str,
    partner_name: str,
    password: str,
    role: str = PARTNER_ADMIN_ROLE,
    name: tuple[str, str] = ("Pat", "Partner"),
) -> User:
    partner = partner_ensure(name=partner_name)
    with transaction.atomic():
        user = User.objects.with_identity(email).first() or User(email=email)
        if user.pk is None or not user.check_password(password):
            user.set_password(password)
        user.first_name, user.last_name = name
        user.save()
        PartnerMembership.objects.update_or_create(
            user=user, defaults={"partner": partner, "role": role}
        )
    return user


# the partner's other people, one per role (apps.tenancy.partner_roles)
PARTNER_PEOPLE = (
    ("operator", PARTNER_OPERATOR, ("Olu", "Operator")),
    ("support", PARTNER_SUPPORT, ("Sam", "Support")),
    ("billing", PARTNER_BILLING, ("Bea", "Billing")),
)


def seed_tenant(client: Client, *, password: str, stdout: Any = None) -> None:
    """The tenant's people and reference data from when it opened, then three months of
    activity on the demo's clock (apps/demo/clock.py), then what beat would do today: renewal
    alerts, SLA sweeps, the nightly chain check and last month's control report."""
    with tenant_context(client):
        timeline = Timeline()
        opened = timeline.moment(HISTORY_DAYS + 1, hour=8)
        # budgets for every year the history touches (it may start last year)
        years = sorted({opened.year, timeline.today.year})

        def people_and_reference_data() -> None:
            manager = user_ensure(
                email=f"manager@{client.slug}.example",
                password=password,
                roles=["manager"],
                first_name="Morgan",
                last_name="Manager",
            )
            for local, roles, first, last in DEMO_USERS:
                if local == "manager":
                    continue
                reports_to = manager if local in {"requester", "approver"} else None
                user_ensure(
                    email=f"{local}@{client.slug}.example",
                    password=password,
                    roles=roles,
                    first_name=first,
                    last_name=last,
                    manager=reports_to,
                )
            for local, first, last, _cost_center in DEMO_REQUESTERS:
                if local == "requester":
                    continue
                user_ensure(
                    email=f"{local}@{client.slug}.example",
                    password=password,
                    roles=["requester"],
                    first_name=first,
                    last_name=last,
                    manager=manager,
                )
            for year in years:
                reference_data_ensure(
                    actor="system:seed", **demo_reference_data(manager=manager, year=year)
                )
            policy_in_force_since_opening()
            demo_second_factor_policy()  # only AP managers sign in with two steps

        timeline.at(HISTORY_DAYS + 1, people_and_reference_data, hour=8)
        timeline.run()  # the people exist before their work is scheduled
        demo_authenticators(stdout=stdout)  # apmanager@'s, with its printed secret
        seed_suppliers(
            timeline, slug=client.slug, password=password, portal_name=client.portal_name
        )
        seed_procurement(timeline, slug=client.slug)
        seed_invoices(timeline, slug=client.slug, portal_name=client.portal_name)
        seed_contracts(timeline, slug=client.slug)
        timeline.run()
        if client.slug == "acme":
            seed_former_requester(slug=client.slug, password=password)
        # today, as beat would have done it
        now = timezone.now()
        document_renewal_alerts()
        contract_renewal_alerts()
        sla_sweep(now=now)
        exceptions_sla_sweep(now=now)
        audit_chain_check(trigger="nightly")
        monthly_compliance_report(notify=False)
        spend_model_train(actor="system:seed")  # the nightly retraining's first run
        scim_key = seed_provisioning(
            slug=client.slug,
            approver_email=f"approver@{client.slug}.example",
            admin_email=f"admin@{client.slug}.example",
            password=password,
        )
    if stdout:
        stdout.write(f"  {client.slug}: three months of activity ready")
        stdout.write(f"  {client.slug}: SCIM key (scope scim) {scim_key}")


def seed_demo(*, stdout: Any = None) -> None:
    with public_context():
        _seed_demo(port=demo_port(), stdout=stdout)


def _seed_demo(*, port: str, stdout: Any) -> None:
    password = demo_password()
    ensure_public_tenant()
    partner_admin = ensure_partner_admin(
        email=PARTNER_ADMIN, partner_name=PARTNER_NAME, password=password
    )
    domain = PARTNER_ADMIN.partition("@")[2]
    for local, role, name in PARTNER_PEOPLE:
        ensure_partner_admin(
            email=f"{local}@{domain}",
            partner_name=PARTNER_NAME,
            password=password,
            role=role,
            name=name,
        )
    demo_authenticators(stdout=stdout)  # the partner's people, with their printed secrets
    clients = []
    for spec in TENANTS:
        client = Client.objects.filter(slug=spec["slug"]).first()
        if client is None:
            # opened when its history starts (apps/demo/clock.py)
            opened = Timeline().moment(HISTORY_DAYS + 1, hour=7)
            with time_machine.travel(opened, tick=True):
                client = tenant_provision(
                    actor=partner_admin,
                    slug=spec["slug"],
                    name=spec["name"],
                    domain=f"{spec['slug']}.localhost",
                    brand={k: spec[k] for k in ("portal_name", "primary_color", "accent_color")}
                    | {"support_email": f"help@{spec['slug']}.example"},
                    default_language=spec["default_language"],
                )
            if stdout:
                stdout.write(f"  provisioned {client.slug} at {spec['slug']}.localhost:{port}")
        elif client.default_language != spec["default_language"]:  # a demo from before
            client.default_language = spec["default_language"]
            client.save(update_fields=["default_language"])
        seed_tenant(client, password=password, stdout=stdout)
        clients.append(client)
    seed_partner_operations(partner_admin=partner_admin, clients=clients)
    # each client's days for the partner's console, as the hourly rollup keeps them
    counts = client_days_roll_up(days=HISTORY_DAYS + 1)
    if stdout:
        stdout.write(f"  partner figures: {counts['days']} days of {counts['tenants']} tenants")
