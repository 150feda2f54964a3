"""The tenant's own bank accounts that payment runs pay from, one per legal entity (the debtor
of the pain.001 file). Kept by the reference-data role; every change is audited."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import InvalidCountryCode, SchwiftyException

from apps.controls.guards import require
from apps.controls.refusals import ValidationFailed
from apps.events.services import event_record
from apps.organization.models import LegalEntity

from ..models import PayingAccount

_OTHER_ID = re.compile(r"[A-Z]{2}[0-9A-Z]{4,32}")


def _checked(name: str, iban: str, bic: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Name the account.")]
    account = re.sub(r"\s", "", iban).upper()
    try:
        account = IBAN(account).compact
    except InvalidCountryCode:
        # a country without IBANs (US): the bank's account id, sent as "other" in pain.001
        if not _OTHER_ID.fullmatch(account):
            errors["iban"] = [_("Give an IBAN, or the country code and the bank's account id.")]
    except SchwiftyException as exc:
        errors["iban"] = [_("Not a valid IBAN: %s.") % exc]
    try:
        bic = BIC(bic.strip().upper()).compact
    except SchwiftyException as exc:
        errors["bic"] = [_("Not a valid BIC: %s.") % exc]
    if errors:
        raise ValidationFailed(errors=errors)
    return name, account, bic


@transaction.atomic
def paying_account_save(
    *, actor: Any, legal_entity: LegalEntity, name: str, iban: str, bic: str
) -> PayingAccount:
    """Set the legal entity's paying account (created, or changed with its before and after)."""
    require(actor, "accounts.manage_reference_data")
    name, iban, bic = _checked(name, iban, bic)
    account = PayingAccount.objects.select_for_update().filter(legal_entity=legal_entity).first()
    before = None
    if account is None:
        account = PayingAccount(legal_entity=legal_entity)
    else:
        before = {"name": account.name, "iban": account.iban, "bic": account.bic}
    account.name, account.iban, account.bic = name, iban, bic
    account.save()
    event_record(
        actor=actor,
        action=f"paying_account.{'created' if before is None else 'updated'}",
        subject_type="paying_account",
        subject_id=legal_entity.code,
        before=before,
        after={"name": name, "iban": iban, "bic": bic},
    )
    return account
