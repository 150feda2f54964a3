"""The purge: each kind of record past its retention period and under no legal hold is
deleted, in one transaction with a PurgeRun per kind and one audit event for the run. The audit
trail itself is never purged (append-only and chained; it names purged records by id only).
Beat runs it nightly in every tenant; `manage.py retention_purge --tenant SLUG [--dry-run]`
runs it by hand."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.guards import is_assistant, is_system
from apps.controls.refusals import PermissionRefused
from apps.events.services import event_record

from ..models import PurgeRun
from ..selectors import holds_active, periods_in_force
from .kinds import PURGES
from .tally import Tally

log = structlog.get_logger("spendgate.retention")


def retention_purge(
    *, actor: Any, now: datetime | None = None, dry_run: bool = False
) -> list[PurgeRun]:
    """Purge every kind once. A dry run does all of it and rolls it back: the PurgeRuns it
    returns say what would go, and nothing is deleted, recorded or removed from storage."""
    if is_assistant(actor) or not is_system(actor):
        raise PermissionRefused(
            _("The purge runs as the system: nightly, or by an operator's command.")
        )
    now = now or timezone.now()
    run_id = uuid.uuid4()
    with transaction.atomic():
        periods, holds = periods_in_force(now), holds_active()
        runs: list[PurgeRun] = []
        files: list[str] = []
        for kind, purge in PURGES:
            started, tally = timezone.now(), Tally()
            cutoff = purge(periods, holds, tally)
            files.extend(tally.files)
            runs.append(_purge_run(run_id, kind, started, cutoff, tally, actor))
        _purge_event(run_id, runs, actor)
        if dry_run:
            transaction.set_rollback(True)
        else:
            transaction.on_commit(lambda: _remove_files(files))
    log.info(
        "retention_purged",
        run=str(run_id),
        dry_run=dry_run,
        purged={run.kind: run.purged for run in runs},
        held_back={run.kind: run.held_back for run in runs},
    )
    return runs


def _purge_run(
    run_id: uuid.UUID,
    kind: str,
    started: datetime,
    cutoff: dict[str, str],
    tally: Tally,
    actor: Any,
) -> PurgeRun:
    return PurgeRun.objects.create(
        run_id=run_id,
        kind=kind,
        started_at=started,
        finished_at=timezone.now(),
        cutoff=cutoff,
        purged=len(tally.ids),
        deleted=dict(sorted(tally.deleted.items())),
        purged_ids=tally.ids,
        held_back=sum(tally.held.values()),
        held_back_reasons=dict(sorted(tally.held.items())),
        actor=str(actor or "system:retention"),
    )


def _purge_event(run_id: uuid.UUID, runs: list[PurgeRun], actor: Any) -> None:
    """One event for the run: what each kind deleted and kept back, counted (the records
    themselves are named by id in the PurgeRuns)."""
    event_record(
        actor=actor or "system:retention",
        action="retention.purged",
        subject_type="retention_run",
        subject_id=run_id,
        data={
            run.kind: {
                "purged": run.purged,
                "deleted": run.deleted,
                "held_back": run.held_back_reasons,
                "cutoff": run.cutoff,
            }
            for run in runs
        },
    )


def _remove_files(paths: list[str]) -> None:
    """The stored originals of what was deleted (the tenant's storage prefix)."""
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:
            log.warning("retention_file_not_removed", path=path)
