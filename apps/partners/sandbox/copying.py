"""What a sandbox takes from its production tenant, read in the production tenant's schema,
and how it is written in the sandbox's: reference data, the published policy and approval
limits as they are (people's addresses and names replaced by their stand-ins), the roles in
use as one stand-in each. Nothing else is read: no supplier, bank account, contact, document
or transaction of the client reaches the sandbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.accounts.models import User
from apps.accounts.services import user_ensure
from apps.organization.models import Budget, CostCenter, FxRate, LegalEntity, SpendCategory
from apps.organization.services import reference_data_ensure
from apps.policies.models import ApprovalLimit, PolicyVersion
from apps.policies.services import approval_limit_set, policy_draft_create, policy_publish

from .standins import Person, Scrub, StandIn, primary_role, standins_for


@dataclass
class Configuration:
    """A production tenant's configuration as read for its sandbox."""

    people: list[Person] = field(default_factory=list)
    legal_entities: list[dict[str, Any]] = field(default_factory=list)
    cost_centers: list[dict[str, Any]] = field(default_factory=list)
    spend_categories: list[dict[str, Any]] = field(default_factory=list)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    fx_rates: list[dict[str, Any]] = field(default_factory=list)
    limits: list[dict[str, Any]] = field(default_factory=list)
    policy: dict[str, Any] | None = None
    policy_label: str = ""


def _people() -> list[Person]:
    users = (
        User.objects.filter(is_active=True, is_service_account=False)
        .prefetch_related("groups")
        .order_by("pk")
    )
    return [
        Person(
            pk=user.pk,
            email=user.email,
            full_name=f"{user.first_name} {user.last_name}".strip(),
            roles=tuple(sorted(group.name for group in user.groups.all())),
            manager_pk=user.manager_id,
        )
        for user in users
    ]


def _rows(values: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in values]


def configuration_read() -> Configuration:
    """The current (production) tenant's configuration."""
    published = PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).first()
    return Configuration(
        people=_people(),
        legal_entities=_rows(
            LegalEntity.objects.order_by("code").values("code", "name", "country", "currency")
        ),
        cost_centers=[
            {
                "code": center.code,
                "name": center.name,
                "legal_entity": center.legal_entity.code if center.legal_entity else None,
                "active": center.active,
                "manager_pk": center.manager_id,
            }
            for center in CostCenter.objects.select_related("legal_entity").order_by("code")
        ],
        spend_categories=_rows(
            SpendCategory.objects.order_by("code").values("code", "name", "active")
        ),
        budgets=[
            {
                "cost_center": budget.cost_center.code,
                "period_start": budget.period_start,
                "period_end": budget.period_end,
                "currency": budget.currency,
                "amount": budget.amount,
            }
            for budget in Budget.objects.select_related("cost_center").order_by("period_start")
        ],
        fx_rates=_rows(FxRate.objects.values("base", "quote", "valid_on", "rate")),
        limits=_rows(ApprovalLimit.objects.values("user_id", "role", "currency", "amount")),
        policy=published.document if published else None,
        policy_label=published.label if published else "",
    )


@dataclass(frozen=True)
class Written:
    """What the sandbox received: its stand-ins and the policy version published there."""

    standins: list[StandIn]
    policy_label: str
    counts: dict[str, int]


class SandboxWriter:
    """Writes one configuration in the current (sandbox) tenant, through each context's
    services, as the partner (`actor`, a `partner:<e-mail>` label)."""

    def __init__(self, config: Configuration, *, slug: str, actor: str, password: str) -> None:
        self.config, self.slug, self.actor, self.password = config, slug, actor, password
        self.standins = standins_for(config.people, slug)
        self.users: dict[str, User] = {}
        self.scrub = Scrub(config.people, slug)

    def write(self, *, source_name: str) -> Written:
        self.people()
        self.reference_data()
        self.limits()
        label = self.policy(source_name=source_name)
        config = self.config
        return Written(
            standins=self.standins,
            policy_label=label,
            counts={
                "legal_entities": len(config.legal_entities),
                "cost_centers": len(config.cost_centers),
                "spend_categories": len(config.spend_categories),
                "budgets": len(config.budgets),
                "approval_limits": len(config.limits),
                "stand_ins": len(self.standins),
            },
        )

    def stand_in_of(self, person_pk: Any) -> User | None:
        person = next((p for p in self.config.people if p.pk == person_pk), None)
        role = primary_role(person.roles) if person is not None else None
        return self.users.get(role) if role else None

    def people(self) -> None:
        for standin in self.standins:  # every stand-in first, then whom each reports to
            self.users[standin.role] = self._ensure(standin, manager=None)
        for standin in self.standins:
            if standin.manager_role in self.users:
                self._ensure(standin, manager=self.users[standin.manager_role])

    def _ensure(self, standin: StandIn, *, manager: User | None) -> User:
        return user_ensure(
            email=standin.email,
            password=self.password,
            roles=[standin.role],
            first_name=standin.first_name,
            last_name=standin.last_name,
            manager=manager,
        )

    def reference_data(self) -> None:
        config = self.config
        # reference data names each cost center's legal entity; one without is left out
        centers = [center for center in config.cost_centers if center["legal_entity"]]
        codes = {center["code"] for center in centers}
        reference_data_ensure(
            actor=self.actor,
            legal_entities=config.legal_entities,
            cost_centers=[
                {
                    **{k: v for k, v in center.items() if k != "manager_pk"},
                    "manager": self.stand_in_of(center["manager_pk"]),
                }
                for center in centers
            ],
            spend_categories=config.spend_categories,
            budgets=[budget for budget in config.budgets if budget["cost_center"] in codes],
            fx_rates=config.fx_rates,
        )

    def limits(self) -> None:
        # people sharing a stand-in: the stand-in keeps the highest of their limits
        for limit in sorted(self.config.limits, key=lambda row: row["amount"]):
            holder = self.stand_in_of(limit["user_id"]) if limit["user_id"] else None
            if limit["user_id"] and holder is None:
                continue  # a supplier user's or a former person's: no stand-in takes it
            approval_limit_set(
                actor=self.actor,
                currency=limit["currency"],
                amount=limit["amount"],
                role=limit["role"],
                user=holder,
            )

    def policy(self, *, source_name: str) -> str:
        if self.config.policy is None:
            return ""
        draft = policy_draft_create(
            actor=self.actor,
            document=self.scrub(self.config.policy),
            note=f"From {source_name}'s published policy {self.config.policy_label}"[:300],
        )
        return policy_publish(actor=self.actor, version=draft).label
