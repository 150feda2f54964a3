"""Back up one client tenant and restore it as another, without touching any other tenant.

A backup is one gzipped tar file:
- `manifest.json`: the tenant (slug, schema, brand, domain), when it was taken, the schema's
  migrations, and for every member its size and SHA-256, every table's row count, every
  sequence's value and the audit chain's length and last hash;
- `tables/<table>.copy`: each table of the tenant's schema in PostgreSQL's COPY text format,
  all read in one REPEATABLE READ snapshot (a consistent point in time);
- `files/…`: the tenant's stored files (supplier documents, invoice originals, evidence packs).

A restore creates a new tenant (schema cloned from the template, as provisioning does), empties
it, loads every table in one transaction (Django's foreign keys are deferred, so order does
not matter; the audit trail's append-only triggers are disabled on the new schema only while
it loads), sets the sequences, copies the files, and checks that the row counts and the audit
chain equal the manifest's. It refuses a file whose members do not match their SHA-256, and a
backup made by another release (its migrations must equal the template's). Only PostgreSQL's
own COPY is used: no `pg_dump` binary whose version must match the server's.

Residency (docs/residency.md): only the deployment of a tenant's region backs it up
(`wrong_region` otherwise, before anything is written), and a backup of another region's tenant
is restored only as the move it is (`moved_from` names that region); the restored tenant lives
in this deployment's region.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from apps.audit.selectors import audit_chain_verify
from apps.events.services import events_chain_link

from .context import tenant_context
from .models import BrandLogo, Client, Domain, Partner
from .residency import WrongRegion, deployment_region, served_here, wrong_region_detail

FORMAT = 1


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why."""


@dataclass(frozen=True)
class RestoreReport:
    client: Client
    tables: int
    rows: int
    files: int
    audit_events: int
    moved_from: str | None = None


def _raw() -> Any:
    connection.ensure_connection()
    return connection.connection


def _names(schema: str, query: str) -> list[str]:
    with _raw().cursor() as cursor:
        cursor.execute(query, [schema])
        return [row[0] for row in cursor.fetchall()]


def _tables(schema: str) -> list[str]:
    return _names(
        schema, "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename"
    )


def _sequences(schema: str) -> list[str]:
    return _names(
        schema,
        "SELECT sequencename FROM pg_sequences WHERE schemaname = %s ORDER BY sequencename",
    )


def _tenant_media(schema: str) -> Path:
    return Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % schema)


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _copy_out(schema: str, table: str) -> bytes:
    out = io.BytesIO()
    query = sql.SQL("COPY {}.{} TO STDOUT").format(sql.Identifier(schema), sql.Identifier(table))
    with _raw().cursor() as cursor, cursor.copy(query) as copy:
        for chunk in copy:
            out.write(chunk)
    return out.getvalue()


def _audit_tip(schema: str) -> dict[str, Any]:
    with _raw().cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT count(*), (SELECT hash FROM {}.{} ORDER BY id DESC LIMIT 1) FROM {}.{}"
            ).format(*[sql.Identifier(schema), sql.Identifier("audit_auditevent")] * 2)
        )
        count, last = cursor.fetchone()
    return {"count": count, "last_hash": last}


def _client_record(client: Client) -> dict[str, Any]:
    logo = BrandLogo.objects.filter(client=client).first()
    domain = Domain.objects.filter(tenant=client, is_primary=True).first()
    return {
        "slug": client.slug,
        "schema": client.schema_name,
        "name": client.name,
        "partner": client.partner.name if client.partner else None,
        "status": client.status,
        "default_language": client.default_language,
        "portal_name": client.portal_name,
        "primary_color": client.primary_color,
        "accent_color": client.accent_color,
        "support_email": client.support_email,
        "logo_content_type": client.logo_content_type,
        "logo": base64.b64encode(bytes(logo.data)).decode() if logo else None,
        "domain": domain.domain if domain else None,
        "region": client.region,
    }


def tenant_backup(slug: str, target: Path, *, region_checked: bool = True) -> dict[str, Any]:
    """Write the tenant's backup to `target`; returns the manifest. A tenant of another region
    is refused (`WrongRegion`) before anything is written, unless `region_checked` is False
    (the offboarding's export of a moved tenant's old copy, apps/partners)."""
    client = Client.objects.filter(slug=slug).first()
    if client is None or client.is_public:
        raise BackupError(f"No client tenant {slug!r}.")
    if region_checked and not served_here(client):
        raise WrongRegion(wrong_region_detail(client))
    schema = client.schema_name
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "tenant": _client_record(client),
        "tables": {},
        "sequences": {},
        "files": {},
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with tenant_context(client):  # the events committed so far go linked into the backup
        events_chain_link()
    with tarfile.open(target, "w:gz") as archive, transaction.atomic():
        _snapshot()
        with _raw().cursor() as cursor:
            cursor.execute(
                sql.SQL("SELECT app, name FROM {}.django_migrations ORDER BY app, name").format(
                    sql.Identifier(schema)
                )
            )
            manifest["migrations"] = [f"{app}.{name}" for app, name in cursor.fetchall()]
            for sequence in _sequences(schema):
                cursor.execute(
                    sql.SQL("SELECT last_value, is_called FROM {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(sequence)
                    )
                )
                value, called = cursor.fetchone()
                manifest["sequences"][sequence] = {"value": value, "is_called": called}
        for table in _tables(schema):
            data = _copy_out(schema, table)
            entry = _add(archive, f"tables/{table}.copy", data)
            entry["rows"] = data.count(b"\n")
            manifest["tables"][table] = entry
        manifest["audit"] = _audit_tip(schema)
        media = _tenant_media(schema)
        if media.is_dir():
            for path in sorted(p for p in media.rglob("*") if p.is_file()):
                relative = path.relative_to(media).as_posix()
                manifest["files"][relative] = _add(archive, f"files/{relative}", path.read_bytes())
        _add(archive, "manifest.json", json.dumps(manifest, indent=2, default=str).encode())
    return manifest


def _snapshot() -> None:
    """One consistent point in time for every table: the backup's own transaction reads in
    REPEATABLE READ. Inside a wider transaction (tests) that one's snapshot is read."""
    if connection.savepoint_ids:
        return
    with _raw().cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _read(source: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    try:
        with tarfile.open(source, "r:gz") as archive:
            members = {
                m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
                for m in archive.getmembers()
                if m.isfile()
            }
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} is not a readable tenant backup: {exc}") from exc
    if "manifest.json" not in members:
        raise BackupError(f"{source} has no manifest.json.")
    manifest = json.loads(members.pop("manifest.json"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')} is not {FORMAT}.")
    expected = {f"tables/{t}.copy": e for t, e in manifest["tables"].items()} | {
        f"files/{f}": e for f, e in manifest["files"].items()
    }
    if set(expected) != set(members):
        raise BackupError("The backup's members differ from its manifest.")
    for name, entry in expected.items():
        if hashlib.sha256(members[name]).hexdigest() != entry["sha256"]:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest.")
    return manifest, members


def backup_verify(source: Path) -> dict[str, Any]:
    """The backup's manifest, once every member matches its SHA-256 and the members are
    exactly the manifest's; BackupError otherwise. Reads the file, changes nothing."""
    manifest, _members = _read(source)
    return manifest


def _template_migrations() -> list[str]:
    with _raw().cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT app, name FROM {}.django_migrations ORDER BY app, name").format(
                sql.Identifier(settings.TENANT_BASE_SCHEMA)
            )
        )
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def tenant_restore(
    source: Path, *, slug: str, domain: str | None = None, moved_from: str | None = None
) -> RestoreReport:
    """Restore the backup at `source` as a new tenant `slug` (host `domain`), in this
    deployment's region. A backup of a tenant of another region is a move to this one: it is
    refused unless `moved_from` names that region."""
    manifest, members = _read(source)
    region = manifest["tenant"].get("region") or deployment_region()
    here = deployment_region()
    if moved_from is not None and moved_from != region:
        raise BackupError(
            f"The backup is of a tenant of region {region}, not {moved_from}: nothing restored."
        )
    if region != here and moved_from != region:
        raise BackupError(
            f"The backup is of a tenant of region {region}; this deployment serves region"
            f" {here}. Restoring it here moves the tenant to {here} (docs/residency.md):"
            f" say so with --moved-from {region}, or restore it in region {region}."
        )
    if manifest["migrations"] != _template_migrations():
        raise BackupError(
            "The backup was made by another release (its migrations differ from this one's):"
            " restore it with that release, then migrate."
        )
    if Client.objects.filter(slug=slug).exists():
        raise BackupError(f"A tenant {slug!r} exists already; restore under a new slug.")
    tenant = manifest["tenant"]
    # by default the new slug under the old host's parent domain (acme.example → new.example)
    parent = (tenant.get("domain") or "x.localhost").split(".", 1)[-1]
    domain = domain or f"{slug}.{parent}"
    if Domain.objects.filter(domain=domain).exists():
        raise BackupError(f"The domain {domain} is in use.")
    with transaction.atomic():
        client = Client(
            schema_name=slug,
            slug=slug,
            name=tenant["name"],
            partner=Partner.objects.filter(name=tenant.get("partner")).first(),
            status=tenant["status"],
            default_language=tenant["default_language"],
            portal_name=tenant["portal_name"],
            primary_color=tenant["primary_color"],
            accent_color=tenant["accent_color"],
            support_email=tenant["support_email"],
            logo_content_type=tenant["logo_content_type"],
            region=here,
        )
        client.save()  # clones the template schema
        Domain.objects.create(domain=domain, tenant=client, is_primary=True)
        if tenant.get("logo"):
            BrandLogo.objects.create(
                client=client,
                data=base64.b64decode(tenant["logo"]),
                content_type=tenant["logo_content_type"],
            )
        rows = _load_tables(slug, manifest, members)
        audit = _audit_tip(slug)
        if audit != manifest["audit"]:
            raise BackupError(f"The restored audit trail ({audit}) differs from the backup's.")
        with tenant_context(client):
            events_chain_link()  # events the backup caught before their link
            chain = audit_chain_verify()
        if not chain.valid:
            raise BackupError(f"The restored audit chain breaks at event {chain.first_bad}.")
    files = _restore_files(slug, members)
    return RestoreReport(
        client=client,
        tables=len(manifest["tables"]),
        rows=rows,
        files=files,
        audit_events=audit["count"],
        moved_from=region if region != here else None,
    )


def _load_tables(schema: str, manifest: dict[str, Any], members: dict[str, bytes]) -> int:
    tables = _tables(schema)
    if set(tables) != set(manifest["tables"]):
        raise BackupError("The backup's tables differ from this release's tenant schema.")
    with _raw().cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        guarded = _names(
            schema,
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND NOT t.tgisinternal",
        )
        for table in guarded:  # the new, still empty-of-history schema only
            cursor.execute(
                sql.SQL("ALTER TABLE {}.{} DISABLE TRIGGER USER").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
        total = 0
        for table in tables:
            name = sql.Identifier(schema), sql.Identifier(table)
            cursor.execute(sql.SQL("DELETE FROM {}.{}").format(*name))
            with cursor.copy(sql.SQL("COPY {}.{} FROM STDIN").format(*name)) as copy:
                copy.write(members[f"tables/{table}.copy"])
            cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(*name))
            count = cursor.fetchone()[0]
            if count != manifest["tables"][table]["rows"]:
                raise BackupError(f"{table}: {count} rows restored, the backup has more or less.")
            total += count
        for table in guarded:
            cursor.execute(
                sql.SQL("ALTER TABLE {}.{} ENABLE TRIGGER USER").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
        for sequence, state in manifest["sequences"].items():
            cursor.execute(
                "SELECT setval(%s, %s, %s)",
                [f'"{schema}"."{sequence}"', state["value"], state["is_called"]],
            )
    return total


def _restore_files(schema: str, members: dict[str, bytes]) -> int:
    media = _tenant_media(schema)
    count = 0
    for name, data in members.items():
        if not name.startswith("files/"):
            continue
        relative = Path(name.removeprefix("files/"))
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"{name} would land outside the tenant's files.")
        path = media / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        count += 1
    return count
