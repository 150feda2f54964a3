"""manage.py rotate_field_keys: re-encrypt every bank account number with the first key of
FIELD_ENCRYPTION_KEYS (after a new key was put first). Old keys can go afterwards."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.suppliers.models import BankAccount
from apps.suppliers.secrets import reencrypt
from apps.tenancy.context import client_tenants


class Command(BaseCommand):
    help = "Re-encrypt stored bank account numbers with the newest field key."

    def handle(self, *args: Any, **options: Any) -> None:
        for client in client_tenants():
            with transaction.atomic():
                accounts = list(BankAccount.objects.select_for_update().only("number_encrypted"))
                for account in accounts:
                    account.number_encrypted = reencrypt(account.number_encrypted)
                BankAccount.objects.bulk_update(accounts, ["number_encrypted"], batch_size=500)
            self.stdout.write(f"  {client.slug}: {len(accounts)} bank accounts re-encrypted")
