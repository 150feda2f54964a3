"""Writes on sandbox tenants: creating one from a production tenant."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.events.services import event_record
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client
from apps.tenancy.services import sandbox_tenant_provision

from .copying import SandboxWriter, Written, configuration_read


@dataclass(frozen=True)
class SandboxCreated:
    client: Client
    # the stand-ins' shared password, shown once to the partner who created the sandbox
    password: str
    written: Written


@transaction.atomic
def sandbox_create(*, actor: Any, from_client: Client) -> SandboxCreated:
    """A sandbox of the partner's production tenant `from_client`: a tenant of its own
    (apps.tenancy.services.sandbox_tenant_provision checks the partner role and that the
    tenant is the partner's own) holding the tenant's configuration, with a stand-in per role
    in use. Audited on the public schema (`tenant.sandbox_provisioned`) and in the sandbox
    (`sandbox.created`)."""
    sandbox = sandbox_tenant_provision(actor=actor, source=from_client)
    with tenant_context(from_client):
        config = configuration_read()
    password = secrets.token_urlsafe(12)
    label = f"partner:{actor.email}"
    with tenant_context(sandbox):
        writer = SandboxWriter(config, slug=sandbox.slug, actor=label, password=password)
        written = writer.write(source_name=from_client.name)
        event_record(
            actor=label,
            action="sandbox.created",
            subject_type="tenant",
            subject_id=sandbox.slug,
            after={
                "sandbox_of": from_client.slug,
                "policy_version": written.policy_label or None,
                "stand_ins": [standin.email for standin in written.standins],
                **written.counts,
            },
        )
    return SandboxCreated(client=sandbox, password=password, written=written)
