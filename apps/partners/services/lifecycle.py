"""A client tenant's offboarding, by a partner admin: the tenant, already suspended, is
exported in full with the tenant backup (kept where the partner downloads it), and its data
is deleted once the retention period the partner chose has passed; until then the offboarding
can be cancelled (the tenant is suspended again). The deletion is a system job (beat, on the
public schema) that drops the schema and writes the final record of the public trail."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.refusals import InvalidTransition, PermissionRefused, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.tenancy.backup import tenant_backup
from apps.tenancy.context import public_context
from apps.tenancy.lifecycle import client_data_delete
from apps.tenancy.models import Client
from apps.tenancy.services import partner_of

from ..lifecycle_models import Offboarding

RETENTION_DAYS = (7, 3650)
SYSTEM = "system:offboarding"


def export_root() -> Path:
    return Path(settings.PARTNER_EXPORT_ROOT)


def export_path(offboarding: Offboarding) -> Path:
    """Where an offboarding's export is kept: under its partner's folder."""
    return export_root() / str(offboarding.client.partner_id) / offboarding.export_name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _same_name(typed: str, name: str) -> bool:
    return " ".join((typed or "").split()).casefold() == " ".join(name.split()).casefold()


def _retention(value: Any, errors: dict[str, list[str]]) -> int:
    low, high = RETENTION_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors["retention_days"] = [
            _("Keep the data between %(low)d and %(high)d days before it is deleted.")
            % {"low": low, "high": high}
        ]
        return 0
    return value


def _locked_client(actor: Any, client: Client) -> Client:
    partner = partner_of(actor, "manage_lifecycle")
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.partner_id != partner.pk:
        raise PermissionRefused()
    return locked


def _offboard_checked(
    client: Client, *, confirm_name: str, reason: str, retention_days: Any
) -> tuple[str, int]:
    """(reason, days) once every value is valid; every problem is said at once."""
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why, for the audit trail.")]
    if not _same_name(confirm_name, client.name):
        errors["confirm_name"] = [
            _("Type the tenant's name, %(name)s, to confirm.") % {"name": client.name}
        ]
    days = _retention(retention_days, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return reason, days


def _export_made(client: Client, now: datetime) -> dict[str, Any]:
    """The tenant's full backup under its partner's folder, and what the offboarding keeps
    of it. A file whose backup failed is removed."""
    name = f"{client.slug}-{now:%Y%m%dT%H%M%SZ}.tar.gz"
    target = export_root() / str(client.partner_id) / name
    try:
        # a tenant moved to another region leaves its old copy here to be offboarded
        # (docs/residency.md, step 6): its export is made where that copy lies
        manifest = tenant_backup(client.slug, target, region_checked=False)
        sha256, size = _sha256(target), target.stat().st_size
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return {
        "export_name": name,
        "export_sha256": sha256,
        "export_size": size,
        "export_tables": len(manifest["tables"]),
        "export_rows": sum(t["rows"] for t in manifest["tables"].values()),
        "export_files": len(manifest["files"]),
        "audit_events": manifest["audit"]["count"],
    }


@transaction.atomic
def tenant_offboard(
    *, actor: Any, client: Client, confirm_name: str, reason: str, retention_days: Any
) -> Offboarding:
    """Offboard a suspended client tenant: a full export now, its data deleted after
    `retention_days` (7 to 3650). The partner types the tenant's name back."""
    client = _locked_client(actor, client)
    if client.status == Client.Status.ACTIVE:
        raise InvalidTransition(
            _("Suspend %(name)s first: its people are shut out before its data is exported.")
            % {"name": client.name}
        )
    before = client.status
    move_status(client, Client.Status.OFFBOARDING, noun=_("tenant"))
    reason, days = _offboard_checked(
        client, confirm_name=confirm_name, reason=reason, retention_days=retention_days
    )
    now = timezone.now()
    offboarding = Offboarding.objects.create(
        client=client,
        requested_by=getattr(actor, "email", "") or str(actor),
        reason=reason,
        retention_days=days,
        delete_after=now + timedelta(days=days),
        **_export_made(client, now),
    )
    client.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="tenant.offboarding_started",
        subject_type="tenant",
        subject_id=client.slug,
        before={"status": before},
        after={
            "status": client.status,
            "reason": reason,
            "retention_days": days,
            "delete_after": offboarding.delete_after.isoformat(),
        },
        data={"export": _export_record(offboarding)},
    )
    return offboarding


def _export_record(offboarding: Offboarding) -> dict[str, Any]:
    return {
        "name": offboarding.export_name,
        "sha256": offboarding.export_sha256,
        "size": offboarding.export_size,
        "tables": offboarding.export_tables,
        "rows": offboarding.export_rows,
        "files": offboarding.export_files,
        "audit_events": offboarding.audit_events,
    }


@transaction.atomic
def tenant_offboard_cancel(*, actor: Any, client: Client, reason: str) -> Offboarding:
    """Cancel an offboarding before its deletion date: the tenant is suspended again (resume
    it to let its people back in). The export stays available."""
    client = _locked_client(actor, client)
    offboarding = (
        Offboarding.objects.select_for_update()
        .filter(client=client, status=Offboarding.Status.SCHEDULED)
        .first()
    )
    move_status(client, Client.Status.SUSPENDED, noun=_("tenant"))
    if offboarding is None:  # a tenant offboarding without its record: never left half-done
        raise InvalidTransition()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": [_("Say why, for the audit trail.")]})
    move_status(offboarding, Offboarding.Status.CANCELLED, noun=_("offboarding"))
    offboarding.cancelled_by = getattr(actor, "email", "") or str(actor)
    offboarding.cancel_reason = reason
    offboarding.ended_at = timezone.now()
    offboarding.save(update_fields=["status", "cancelled_by", "cancel_reason", "ended_at"])
    client.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="tenant.offboarding_cancelled",
        subject_type="tenant",
        subject_id=client.slug,
        before={"status": Client.Status.OFFBOARDING},
        after={"status": client.status, "reason": reason},
        data={"delete_after": offboarding.delete_after.isoformat()},
    )
    return offboarding


def offboardings_complete_due(*, now: datetime | None = None) -> list[str]:
    """Delete every tenant whose offboarding's date has passed (beat, hourly, on the public
    schema); the slugs deleted. Each in a transaction of its own."""
    now = now or timezone.now()
    with public_context():
        due = list(
            Offboarding.objects.filter(
                status=Offboarding.Status.SCHEDULED, delete_after__lte=now
            ).values_list("pk", flat=True)
        )
        return [slug for pk in due if (slug := _complete(pk, now))]


@transaction.atomic
def _complete(pk: Any, now: datetime) -> str | None:
    offboarding = Offboarding.objects.select_for_update().filter(pk=pk).first()
    if (
        offboarding is None
        or offboarding.status != Offboarding.Status.SCHEDULED
        or offboarding.delete_after > now
    ):
        return None  # cancelled or completed meanwhile
    client = Client.objects.select_for_update().get(pk=offboarding.client_id)
    move_status(client, Client.Status.OFFBOARDED, noun=_("tenant"))
    removed = client_data_delete(client)
    move_status(offboarding, Offboarding.Status.COMPLETED, noun=_("offboarding"))
    offboarding.ended_at = now
    offboarding.save(update_fields=["status", "ended_at"])
    client.save(update_fields=["status"])
    event_record(
        actor=SYSTEM,
        action="tenant.offboarded",
        subject_type="tenant",
        subject_id=client.slug,
        before={"status": Client.Status.OFFBOARDING},
        after={"status": client.status, **removed},
        data={
            "offboarded_by": offboarding.requested_by,
            "offboarding_started_at": offboarding.created_at.isoformat(),
            "reason": offboarding.reason,
            "retention_days": offboarding.retention_days,
            "export": _export_record(offboarding),
        },
    )
    return client.slug
