"""The partner's side of the demo: a plan for each client and Northwind's standard policy
template, written but not yet published, so the partner walk in the README starts at "publish
to globex as pilot, then to acme" (docs/partners.md)."""

from __future__ import annotations

from typing import Any

from apps.accounts.models import User
from apps.partners.policy_templates.models import PolicyTemplate
from apps.partners.policy_templates.services import template_create
from apps.tenancy.models import Client, ClientPlan
from apps.tenancy.services import client_plan_set

TEMPLATE_NAME = "Northwind standard controls"
# what Northwind holds every client to (locked) and what each client sets for itself (local)
TEMPLATE_DOCUMENT: dict[str, Any] = {
    "settings": {"budget_mode": "block", "default_sla_hours": 16},
    "sod": ["no_self_approval", "one_step_per_person"],
}
TEMPLATE_FIELDS = {
    "settings.budget_mode": "locked",
    "sod": "locked",
    "access_conflicts": "locked",
    "invoices.tolerances": "locked",
    "settings.default_sla_hours": "local",
    "invoices.exception_sla_hours": "local",
}
# plans: people and invoices a month, each with a warning before the refusal
PLANS = {
    "acme": {
        "active_users_soft": 40,
        "active_users_hard": 50,
        "invoices_soft": 400,
        "invoices_hard": 500,
    },
    "globex": {
        "active_users_soft": 20,
        "active_users_hard": 25,
        "invoices_soft": 150,
        "invoices_hard": 200,
    },
}


def seed_partner_operations(*, partner_admin: User, clients: list[Client]) -> None:
    for client in clients:
        limits = PLANS.get(client.slug)
        if limits and not ClientPlan.objects.filter(client=client).exists():
            client_plan_set(actor=partner_admin, client=client, limits=limits)
    partner = partner_admin.partner_membership.partner
    if not PolicyTemplate.objects.filter(partner=partner, name=TEMPLATE_NAME).exists():
        template_create(
            actor=partner_admin,
            name=TEMPLATE_NAME,
            description="Budget control, segregation of duties and matching tolerances for "
            "every client; approval and exception SLAs each client sets.",
            document=TEMPLATE_DOCUMENT,
            fields=TEMPLATE_FIELDS,
            note="The standard every Northwind client starts from.",
        )
