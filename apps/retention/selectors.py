"""Reads of retention: the periods in force (the published policy's `retention` section over
each legal entity's country), the active legal holds, and the purge's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.organization.models import LegalEntity
from apps.policies.models import PolicyVersion
from apps.policies.retention_section import (
    DAY_KINDS,
    YEAR_KINDS,
    days_for,
    validate_retention_section,
    years_for,
)
from apps.suppliers.models import SupplierContact
from apps.tenancy.context import tenant_today

from .models import LegalHold, PurgeRun


def retention_section() -> dict[str, Any]:
    """The published policy's retention section with its defaults (no policy: the defaults)."""
    published = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    errors: dict[str, list[str]] = {}
    section = validate_retention_section(
        (published.document if published else {}).get("retention"), errors
    )
    return section if not errors else validate_retention_section(None, errors)


@dataclass(frozen=True)
class Periods:
    """The cutoffs of one purge: a record dated before its cutoff has passed its period."""

    section: dict[str, Any]
    today: date
    now: datetime
    countries: dict[int, str]  # legal entity id → country

    def years(self, kind: str, entity_id: int | None) -> int:
        return years_for(self.section, kind, self.countries.get(entity_id) if entity_id else None)

    def cutoff(self, kind: str, entity_id: int | None) -> date:
        """Books of account are kept N whole years after the end of the year of their date."""
        return date(self.today.year - self.years(kind, entity_id), 1, 1)

    def cutoffs(self, kind: str) -> dict[str, str]:
        by_country = {
            country: str(self.cutoff(kind, entity_id))
            for entity_id, country in self.countries.items()
        }
        return {**by_country, "*": str(self.cutoff(kind, None))}

    def latest_cutoff(self, kind: str) -> date:
        return max([self.cutoff(kind, None), *(self.cutoff(kind, e) for e in self.countries)])

    def since(self, kind: str) -> datetime:
        return self.now - timedelta(days=days_for(self.section, kind))


def periods_in_force(now: datetime) -> Periods:
    return Periods(
        section=retention_section(),
        today=tenant_today(now),
        now=now,
        countries=dict(LegalEntity.objects.values_list("id", "country")),
    )


def periods_table(periods: Periods) -> list[dict[str, Any]]:
    """For the page: each kind with its period per legal entity (or in days)."""
    entities = list(LegalEntity.objects.order_by("code"))
    rows: list[dict[str, Any]] = []
    for kind in YEAR_KINDS:
        for entity in entities:
            rows.append(
                {
                    "kind": kind,
                    "scope": f"{entity.code} ({entity.country})",
                    "period": f"{periods.years(kind, entity.pk)} years",
                    "cutoff": periods.cutoff(kind, entity.pk),
                }
            )
        rows.append(
            {
                "kind": kind,
                "scope": "no legal entity",
                "period": f"{periods.years(kind, None)} years",
                "cutoff": periods.cutoff(kind, None),
            }
        )
    for kind in DAY_KINDS:
        rows.append(
            {
                "kind": kind,
                "scope": "tenant",
                "period": f"{days_for(periods.section, kind)} days",
                "cutoff": periods.since(kind).date(),
            }
        )
    return rows


@dataclass
class Holds:
    """The active legal holds, as the purge asks them."""

    suppliers: set[Any] = field(default_factory=set)
    invoices: set[Any] = field(default_factory=set)
    periods: list[tuple[date, date, int | None]] = field(default_factory=list)

    def date_held(self, day: date | None, entity_id: int | None) -> bool:
        """A date inside a held period; a period of one legal entity also holds what has no
        known entity (it might be that entity's)."""
        if day is None:
            return False
        return any(
            first <= day <= last and (held is None or entity_id is None or held == entity_id)
            for first, last, held in self.periods
        )


def holds_active() -> Holds:
    holds = Holds()
    for hold in LegalHold.objects.filter(status=LegalHold.Status.ACTIVE):
        if hold.scope == LegalHold.Scope.SUPPLIER and hold.supplier_id:
            holds.suppliers.add(hold.supplier_id)
        elif hold.scope == LegalHold.Scope.INVOICE and hold.invoice_id:
            holds.invoices.add(hold.invoice_id)
        elif hold.period_from and hold.period_to:
            holds.periods.append((hold.period_from, hold.period_to, hold.legal_entity_id))
    return holds


def legal_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.select_related(
        "supplier", "invoice", "legal_entity", "placed_by", "released_by"
    ).order_by("-placed_at", "-id")


def purge_runs() -> QuerySet[PurgeRun]:
    return PurgeRun.objects.order_by("-started_at", "kind")


def erasure_blocked_by_hold(kind: str, subject_id: Any) -> str | None:
    """privacy's erasure check: a contact of a supplier under an active legal hold is evidence
    the hold keeps, and is not erased while it stands."""
    if kind != "contact":
        return None
    supplier_id = (
        SupplierContact.objects.filter(pk=subject_id).values_list("supplier_id", flat=True).first()
    )
    if supplier_id is None:
        return None
    hold = LegalHold.objects.filter(
        status=LegalHold.Status.ACTIVE, scope=LegalHold.Scope.SUPPLIER, supplier_id=supplier_id
    ).first()
    if hold is None:
        return None
    return _("This contact's supplier is under a legal hold (%(hold)s); release it first.") % {
        "hold": hold.subject_label or hold.pk
    }
