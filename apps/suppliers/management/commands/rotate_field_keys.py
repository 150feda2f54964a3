"""manage.py rotate_field_keys: re-encrypt every encrypted field (bank account numbers, mailbox
passwords: every `*_encrypted` column) with the first key of FIELD_ENCRYPTION_KEYS (after a new
key was put first). Old keys can go afterwards."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.suppliers.secrets import reencrypt
from apps.tenancy.context import client_tenants


class Command(BaseCommand):
    help = "Re-encrypt stored secrets (bank account numbers, …) with the newest field key."

    def handle(self, *args: Any, **options: Any) -> None:
        encrypted = [
            (model, field.name)
            for model in apps.get_models()
            for field in model._meta.concrete_fields
            if field.name.endswith("_encrypted") and model._meta.app_label != "tenancy"
        ]
        for client in client_tenants():
            for model, name in encrypted:
                with transaction.atomic():
                    rows = list(model._default_manager.select_for_update().only(name))
                    for row in rows:
                        setattr(row, name, reencrypt(getattr(row, name)))
                    model._default_manager.bulk_update(rows, [name], batch_size=500)
                label = model._meta.verbose_name_plural
                self.stdout.write(f"  {client.slug}: {len(rows)} {label} re-encrypted")
