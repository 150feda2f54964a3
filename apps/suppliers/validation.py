"""Tax ids (python-stdnum, per the supplier's country) and bank details (schwifty for IBAN
and BIC, python-stdnum for US routing numbers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pycountry
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import rtn

from apps.policies.supplier_section import EU_COUNTRIES

# which stdnum modules hold a country's business tax id, most specific first
_TAX_MODULES = {"US": ["ein"], "CA": ["bn", "vat"], "AU": ["abn", "vat"], "BR": ["cnpj", "vat"]}
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class TaxIdResult:
    value: str  # normalised: VAT numbers of EU and UK suppliers carry their country prefix
    valid: bool | None  # None: no validator for this country
    scheme: str
    message: str


def tax_module(country: str) -> tuple[str, Any] | None:
    for name in _TAX_MODULES.get(country, ["vat"]):
        module = get_cc_module(country.lower(), name)
        if module is not None:
            return name, module
    return None


def check_tax_id(country: str, value: str) -> TaxIdResult:
    country = (country or "").upper()
    raw = (value or "").strip()
    found = tax_module(country)
    if found is None:
        return TaxIdResult(raw, None, "", _("No validator for tax ids of %s.") % country)
    name, module = found
    try:
        # python-stdnum strips a number's own country prefix (DE…, EL… for Greece); stripping
        # two letters here broke Swiss numbers, which start CHE (found by `make mutants`)
        compact = module.validate(raw)
    except StdnumError as exc:
        return TaxIdResult(
            raw,
            False,
            f"{country.lower()}.{name}",
            _("Not a valid %(scheme)s for %(country)s: %(why)s")
            % {"scheme": name.upper(), "country": country, "why": str(exc)},
        )
    if name == "vat" and (country in EU_COUNTRIES or country == "GB"):
        compact = f"{'EL' if country == 'GR' else country}{compact}"
    return TaxIdResult(compact, True, f"{country.lower()}.{name}", _("Valid."))


def tax_id_forms(value: str) -> set[str]:
    """A tax id without separators, with and without its country prefix: DE 136-695-976,
    DE136695976 and 136695976 share a form."""
    compact = re.sub(r"[^A-Z0-9]", "", (value or "").upper())
    return {compact, compact[2:] if compact[:2].isalpha() else compact} - {""}


def check_country(value: str) -> str | None:
    """The ISO 3166 alpha-2 code, or None when it is not one."""
    value = (value or "").strip().upper()
    if not _COUNTRY.match(value) or pycountry.countries.get(alpha_2=value) is None:
        return None
    return value


@dataclass(frozen=True)
class BankDetails:
    scheme: str  # iban | us_ach
    number: str  # compact IBAN or account number: encrypted before it is stored
    routing_number: str
    bic: str
    bank_country: str


def check_bank_details(data: dict[str, Any]) -> BankDetails:
    """Raise ValueError with {field: [messages]} in args[0] when something does not hold."""
    errors: dict[str, list[str]] = {}
    iban_text = (data.get("iban") or "").strip()
    bic_text = (data.get("bic") or "").strip().upper()
    bic = ""
    if bic_text:
        try:
            bic = BIC(bic_text).compact
        except SchwiftyException as exc:
            errors["bic"] = [_("Not a valid BIC: %s.") % exc]
    if iban_text:
        try:
            iban = IBAN(iban_text)
        except SchwiftyException as exc:
            errors["iban"] = [_("Not a valid IBAN: %s.") % exc]
        else:
            if bic and bic[4:6] != iban.country_code:
                errors["bic"] = [_("The BIC's country is not the IBAN's country.")]
            if errors:
                raise ValueError(errors)
            return BankDetails("iban", iban.compact, "", bic, iban.country_code)
        raise ValueError(errors)
    number = re.sub(r"[\s-]", "", data.get("account_number") or "")
    routing = re.sub(r"[\s-]", "", data.get("routing_number") or "")
    if not number and not routing:
        errors["iban"] = [_("Give an IBAN, or a US account number and routing number.")]
        raise ValueError(errors)
    if not re.fullmatch(r"\d{4,17}", number):
        errors["account_number"] = [_("A US account number has 4 to 17 digits.")]
    if not rtn.is_valid(routing):
        errors["routing_number"] = [_("Not a valid ABA routing number.")]
    if errors:
        raise ValueError(errors)
    return BankDetails("us_ach", number, rtn.compact(routing), bic, "US")
