"""The `retention` section of the policy document: how long each kind of record is kept before
the nightly purge (apps.retention) deletes it, unless a legal hold keeps it.

    "retention": {
      "invoices": {"DE": 12},               # years per legal entity's country; a country not
      "payment_evidence": {},               # named keeps COUNTRY_DEFAULT_YEARS (runs, pain.001
                                            # files, bank statements)
      "mail_quarantine_days": 30,           # quarantined or discarded invoice mail
      "rejected_supplier_applications_days": 365,
      "sessions_and_tokens_days": 90        # ended sessions, API tokens, service-account keys
    }

Invoices and payment evidence are books of account: their period is counted in whole years from
the end of the calendar year of the record's date, and may not be set below the country's legal
minimum (LEGAL_MINIMUM_YEARS; docs/privacy.md names the sources). A record whose country is not
known (an invoice without an order, an entity of a country the table does not hold) keeps the
longest period, UNKNOWN_COUNTRY_YEARS."""

from __future__ import annotations

import copy
import re
from typing import Any

from django.utils.translation import gettext as _

YEAR_KINDS = ("invoices", "payment_evidence")
DAY_KINDS = {
    "mail_quarantine": "mail_quarantine_days",
    "rejected_supplier_applications": "rejected_supplier_applications_days",
    "sessions_and_tokens": "sessions_and_tokens_days",
}
KINDS = (*YEAR_KINDS, *DAY_KINDS)
# what a legal entity of the country keeps unless the policy says more
COUNTRY_DEFAULT_YEARS = {"DE": 10, "US": 7, "FR": 10, "GB": 6}
# what the policy may not go below: DE 8 (HGB §257, AO §147, UStG §14b as shortened for
# booking vouchers from 2025), US 3 (the IRS's general period of limitation), FR 10 (Code de
# commerce L123-22), GB 6 (HMRC's VAT records)
LEGAL_MINIMUM_YEARS = {"DE": 8, "US": 3, "FR": 10, "GB": 6}
UNKNOWN_COUNTRY_YEARS = 10
MAXIMUM_YEARS = 30
MAXIMUM_DAYS = 3650

DEFAULT_RETENTION_POLICY: dict[str, Any] = {
    "invoices": {},
    "payment_evidence": {},
    "mail_quarantine_days": 30,
    "rejected_supplier_applications_days": 365,
    "sessions_and_tokens_days": 90,
}
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def legal_minimum_years(country: str) -> int:
    return LEGAL_MINIMUM_YEARS.get(country, UNKNOWN_COUNTRY_YEARS)


def years_for(section: dict[str, Any], kind: str, country: str | None) -> int:
    """The years a record of `kind` of a legal entity in `country` is kept (None: unknown)."""
    overrides = section.get(kind) or {}
    if country and country in overrides:
        return int(overrides[country])
    if country and country in COUNTRY_DEFAULT_YEARS:
        return COUNTRY_DEFAULT_YEARS[country]
    return max(UNKNOWN_COUNTRY_YEARS, *(int(v) for v in overrides.values()), 0)


def days_for(section: dict[str, Any], kind: str) -> int:
    return int(section.get(DAY_KINDS[kind], DEFAULT_RETENTION_POLICY[DAY_KINDS[kind]]))


def validate_retention_section(section: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The section with defaults filled in; problems are added to `errors`."""
    out = copy.deepcopy(DEFAULT_RETENTION_POLICY)
    if section is None:
        return out
    if not isinstance(section, dict):
        errors["retention"] = [_("The retention section is an object.")]
        return out
    for key, value in section.items():
        where = f"retention.{key}"
        if key not in out:
            errors[where] = [_("Unknown setting.")]
        elif key in YEAR_KINDS:
            out[key] = _years_by_country(value, where, errors)
        elif (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAXIMUM_DAYS
        ):
            errors[where] = [_("A whole number of days from 1 to %d.") % MAXIMUM_DAYS]
        else:
            out[key] = value
    return out


def _years_by_country(value: Any, where: str, errors: dict[str, list[str]]) -> dict[str, int]:
    if not isinstance(value, dict):
        errors[where] = [_('Years per country, e.g. {"DE": 10, "US": 7}.')]
        return {}
    clean: dict[str, int] = {}
    for country, years in value.items():
        at = f"{where}.{country}"
        if not isinstance(country, str) or not _COUNTRY.match(country):
            errors[at] = [_("Name the country by its ISO 3166 code, e.g. DE.")]
        elif isinstance(years, bool) or not isinstance(years, int) or years > MAXIMUM_YEARS:
            errors[at] = [_("A whole number of years, at most %d.") % MAXIMUM_YEARS]
        elif years < legal_minimum_years(country):
            errors[at] = [
                _(
                    "%(years)d years is below the legal minimum of %(minimum)d years for "
                    "legal entities in %(country)s."
                )
                % {"years": years, "minimum": legal_minimum_years(country), "country": country}
            ]
        else:
            clean[country] = years
    return clean
