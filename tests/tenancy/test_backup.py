"""A tenant backed up and restored under a new slug: the same rows, the same files, an audit
chain that verifies; a tampered or foreign backup is refused; no other tenant is touched."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEvent
from apps.tenancy.backup import BackupError, _copy_out, _tables, tenant_backup, tenant_restore
from apps.tenancy.models import Client
from tests import world

pytestmark = pytest.mark.django_db


def _rows(schema: str) -> dict[str, list[bytes]]:
    """Every table's rows, sorted (COPY order is not guaranteed)."""
    return {t: sorted(_copy_out(schema, t).splitlines()) for t in _tables(schema)}


def _files(schema: str) -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % schema)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def restored_media() -> Any:
    yield
    for slug in ("restored", "restored2"):
        shutil.rmtree(
            Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % slug),
            ignore_errors=True,
        )


def test_a_round_trip_restores_rows_files_and_a_valid_chain(
    aporg: Any, receive: Any, sorg: Any, in_tenant: Any, tmp_path: Path, restored_media: None
) -> None:
    from tests.suppliers.conftest import complete_onboarding, invite

    with in_tenant(aporg.tenant):
        world.price_exception(aporg, receive, "BACKUP-1")
        complete_onboarding(sorg, invite(sorg))  # five stored documents
        events = AuditEvent.objects.count()
    connection.set_schema_to_public()
    before_b = _rows("tenantb")
    target = tmp_path / "tenanta.tar.gz"
    call_command("tenant_backup", "tenanta", str(target))
    manifest = tenant_backup("tenanta", tmp_path / "again.tar.gz")
    assert manifest["audit"]["count"] == events and len(manifest["files"]) >= 5
    original_rows, original_files = _rows("tenanta"), _files("tenanta")

    call_command("tenant_restore", str(target), "--slug", "restored")
    restored = Client.objects.get(slug="restored")
    assert restored.portal_name == "Alpha Purchasing"
    assert restored.domains.get().domain == "restored.localhost"
    assert _rows("restored") == original_rows
    assert _files("restored") == original_files
    with in_tenant(restored):
        from apps.audit.selectors import audit_chain_verify

        result = audit_chain_verify()
        assert result.valid and result.count == events
        # the restored trail is append-only again
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM audit_auditevent")
    connection.set_schema_to_public()
    assert _rows("tenanta") == original_rows and _rows("tenantb") == before_b


def _rewrite(source: Path, target: Path, change: Any) -> None:
    """A copy of the backup with one member changed by `change(name, data)`."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def test_a_tampered_foreign_or_clashing_backup_is_refused(
    tenant_a: Any, tmp_path: Path, restored_media: None
) -> None:
    target = tmp_path / "a.tar.gz"
    tenant_backup("tenanta", target)
    with pytest.raises(BackupError, match="exists already"):
        tenant_restore(target, slug="tenantb")

    forged = tmp_path / "forged.tar.gz"
    _rewrite(
        target,
        forged,
        lambda name, data: data + b"\n" if name == "tables/audit_auditevent.copy" else data,
    )
    with pytest.raises(BackupError, match="SHA-256"):
        tenant_restore(forged, slug="restored2")

    def older_release(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"] = manifest["migrations"][:-1]
        return json.dumps(manifest).encode()

    foreign = tmp_path / "foreign.tar.gz"
    _rewrite(target, foreign, older_release)
    with pytest.raises(BackupError, match="another release"):
        tenant_restore(foreign, slug="restored2")
    with pytest.raises(CommandError, match="No client tenant"):
        call_command("tenant_backup", "nobody", str(tmp_path / "x.tar.gz"))
    assert not Client.objects.filter(slug="restored2").exists()


# --------------------------------------------------------------------------- residency
def test_a_tenant_of_another_region_is_not_backed_up_here(
    tenant_a: Any, tenant_b: Any, tmp_path: Path
) -> None:
    """docs/residency.md: only the deployment of the tenant's region backs it up; elsewhere
    the refusal says where it lives, and nothing is written."""
    from apps.tenancy.residency import WrongRegion

    tenant_b.region = "us"
    tenant_b.save(update_fields=["region"])
    target = tmp_path / "backups" / "b.tar.gz"
    with pytest.raises(CommandError, match="lives in region us; this deployment serves region eu"):
        call_command("tenant_backup", "tenantb", str(target))
    with pytest.raises(WrongRegion):
        tenant_backup("tenantb", target)
    assert not target.parent.exists()
    connection.set_schema_to_public()
    assert not AuditEvent.objects.filter(action="tenant.backed_up", subject_id="tenantb")
    # the deployment's own region's tenant is backed up as ever
    call_command("tenant_backup", "tenanta", str(tmp_path / "backups" / "a.tar.gz"))
    assert (tmp_path / "backups" / "a.tar.gz").stat().st_size > 0
    assert AuditEvent.objects.filter(action="tenant.backed_up", subject_id="tenanta").exists()


def test_a_backup_of_another_region_is_restored_only_as_its_move(
    tenant_a: Any, tmp_path: Path, restored_media: None
) -> None:
    """A backup of a tenant of region us, on this eu deployment: refused unless the operator
    says it moves here (`--moved-from us`); then it lives in eu."""
    target = tmp_path / "a.tar.gz"
    tenant_backup("tenanta", target)

    def in_us(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        assert manifest["tenant"]["region"] == "eu"
        manifest["tenant"]["region"] = "us"
        return json.dumps(manifest).encode()

    us_backup = tmp_path / "us.tar.gz"
    _rewrite(target, us_backup, in_us)
    media = Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % "restored")
    with pytest.raises(CommandError, match="tenant of region us; this deployment serves region eu"):
        call_command("tenant_restore", str(us_backup), "--slug", "restored")
    with pytest.raises(BackupError, match="not eu"):
        tenant_restore(us_backup, slug="restored", moved_from="eu")
    assert not Client.objects.filter(slug="restored").exists() and not media.exists()
    connection.set_schema_to_public()
    assert not AuditEvent.objects.filter(action="tenant.restored").exists()

    call_command("tenant_restore", str(us_backup), "--slug", "restored", "--moved-from", "us")
    restored = Client.objects.get(slug="restored")
    assert restored.region == "eu"
    event = AuditEvent.objects.get(action="tenant.restored", subject_id="restored")
    assert event.data["region"] == "eu" and event.data["moved_from"] == "us"
