"""What a new tenant's admin must set up before the first requisition, invoice and payment
can flow: each item says what is missing and where to set it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.organization.models import Budget, CostCenter, FxRate, LegalEntity, SpendCategory
from apps.payments.models import PayingAccount
from apps.policies.models import PolicyVersion
from apps.suppliers.models import Supplier
from apps.tenancy.context import tenant_today

REFERENCE = "/settings/reference-data/"
# roles without whom the flow stops: who approves, buys, receives, processes and releases
NEEDED_ROLES = ["approver", "buyer", "receiver", "ap_clerk", "ap_manager"]


@dataclass(frozen=True)
class SetupItem:
    key: str
    label: str | Promise
    done: bool
    url: str
    missing: str = ""


def setup_checklist() -> list[SetupItem]:
    today = tenant_today()
    entities = list(LegalEntity.objects.order_by("code"))
    centers = CostCenter.objects.filter(active=True)
    unbudgeted = list(
        centers.exclude(
            Exists(
                Budget.objects.filter(
                    cost_center=OuterRef("pk"), period_start__lte=today, period_end__gte=today
                )
            )
        ).values_list("code", flat=True)
    )
    paying = set(PayingAccount.objects.values_list("legal_entity_id", flat=True))
    unpaid = [e.code for e in entities if e.pk not in paying]
    currencies = {e.currency for e in entities}
    staffed = set(
        Group.objects.filter(name__in=NEEDED_ROLES, user__is_active=True).values_list(
            "name", flat=True
        )
    )
    unstaffed = [r for r in NEEDED_ROLES if r not in staffed]
    return [
        SetupItem("legal_entities", _("Legal entities"), bool(entities), REFERENCE),
        SetupItem(
            "cost_centers",
            _("Cost centers with a manager"),
            centers.filter(manager__isnull=False).exists(),
            REFERENCE,
        ),
        SetupItem(
            "categories",
            _("Spend categories"),
            SpendCategory.objects.filter(active=True).exists(),
            REFERENCE,
        ),
        SetupItem(
            "budgets",
            _("A budget for this period on every active cost center"),
            centers.exists() and not unbudgeted,
            REFERENCE,
            ", ".join(unbudgeted),
        ),
        SetupItem(
            "fx_rates",
            _("Exchange rates between the legal entities' currencies"),
            len(currencies) < 2 or FxRate.objects.exists(),
            REFERENCE,
        ),
        SetupItem(
            "policy",
            _("A published approval policy"),
            PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).exists(),
            "/settings/policies/",
        ),
        SetupItem(
            "people",
            _("People in the roles the flow needs"),
            not unstaffed,
            "/settings/",
            ", ".join(unstaffed),
        ),
        SetupItem(
            "suppliers",
            _("An approved supplier"),
            Supplier.objects.filter(status=Supplier.Status.APPROVED).exists(),
            "/suppliers/invite/",
        ),
        SetupItem(
            "paying_accounts",
            _("A paying bank account for every legal entity"),
            bool(entities) and not unpaid,
            REFERENCE,
            ", ".join(unpaid),
        ),
    ]
