"""The identity side of the demo (docs/identity.md, "Provisioning (SCIM)"): each client has a
service account for its identity provider holding the `scim` scope, whose key the seed prints
(a fixed demo key, so the README's curl commands work as written), and `approver@` has named a
deputy for a planned absence, so a SCIM call that deactivates `approver@` moves their open
tasks to the deputy. Idempotent."""

from __future__ import annotations

import os
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_ensure
from apps.integrations.models import ServiceAccount
from apps.integrations.scopes import digest
from apps.integrations.services.access import service_account_create
from apps.workflow.models import Delegation

ACCOUNT_NAME = "Identity provider (SCIM)"


def demo_scim_key(slug: str) -> str:
    return os.environ.get("DEMO_SCIM_KEY") or f"spk_{slug}-scim-demo-2026"


@transaction.atomic
def seed_provisioning(*, slug: str, approver_email: str, admin_email: str, password: str) -> str:
    """The SCIM service account (its key returned) and approver's deputy with a delegation."""
    approver = User.objects.get(email=approver_email)
    domain = approver_email.partition("@")[2]
    deputy = user_ensure(
        email=f"deputy@{domain}",
        password=password,
        roles=["approver"],
        first_name="Devon",
        last_name="Deputy",
        manager=approver.manager,
    )
    if not Delegation.objects.filter(user=approver, delegate=deputy).exists():
        # a planned absence next month: the person approver@ named to act for them
        starts = timezone.localdate() + timedelta(days=30)
        Delegation.objects.create(
            user=approver, delegate=deputy, starts_on=starts, ends_on=starts + timedelta(days=7)
        )
    key = demo_scim_key(slug)
    account = ServiceAccount.objects.filter(name=ACCOUNT_NAME, revoked_at__isnull=True).first()
    if account is None:
        admin = User.objects.get(email=admin_email)
        account, _random = service_account_create(
            actor=admin, data={"name": ACCOUNT_NAME, "scopes": ["scim"]}
        )
    # the demo's key is known (README); a real account's key is random and shown once
    ServiceAccount.objects.filter(pk=account.pk).update(
        key_digest=digest(key), key_prefix=key[:10], scopes=["scim"]
    )
    return key
