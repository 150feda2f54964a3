"""The shared bank account control: shared means another supplier's live account only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from apps.suppliers.services.banking import bank_account_add, bank_account_reject
from tests.suppliers.conftest import invite, portal_user

pytestmark = pytest.mark.django_db
IBAN = "DE89370400440532013000"


def test_sharing_is_another_suppliers_live_account_only(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        mine = invite(sorg, "Tailspin Parts GmbH")
        user = portal_user(mine)
        with transaction.atomic():
            first = bank_account_add(
                actor=user, supplier_id=mine.pk, data={"account_holder": "Tailspin", "iban": IBAN}
            )
            again = bank_account_add(
                actor=user, supplier_id=mine.pk, data={"account_holder": "Tailspin", "iban": IBAN}
            )
        assert again.shared_with == []  # its own earlier entry is no one else's
        with transaction.atomic():
            bank_account_reject(actor=sorg.clerk, account_id=first.pk, comment="Wrong holder")
            bank_account_reject(actor=sorg.clerk, account_id=again.pk, comment="Wrong holder")
        other = invite(sorg, "Wingtip Toys GmbH", email="ap@wingtip.test")
        with transaction.atomic():
            fresh = bank_account_add(
                actor=portal_user(other),
                supplier_id=other.pk,
                data={"account_holder": "Wingtip", "iban": IBAN},
            )
        assert fresh.shared_with == []  # rejected entries are not on file
        third = invite(sorg, "Northwind Traders", email="ap@northwind.test")
        with transaction.atomic():
            shared = bank_account_add(
                actor=portal_user(third),
                supplier_id=third.pk,
                data={"account_holder": "Northwind", "iban": IBAN},
            )
        assert shared.shared_with == [
            {"supplier": str(other.pk), "name": "Wingtip Toys GmbH", "account": fresh.masked}
        ]
