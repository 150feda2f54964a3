"""Evidence packs: asked for by an auditor or tenant admin, built by a Celery worker on the
`reports` queue with WeasyPrint, kept with their SHA-256, which is itself audited.

A pack verifies its own events and their links to the chain's checkpoints
(apps.assurance.checkpoints), so its cost follows the pack, not the chain; the whole chain
when no checkpoint is trusted. `verify_pack_file` is what `manage.py verify_evidence_pack
FILE` runs: the file's SHA-256 must be one the tenant recorded for a pack, in an audit event
that verifies the same way."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.language import in_language_of
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.audit.selectors import period_bounds
from apps.controls.refusals import PermissionRefused, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record, events_chain_link
from apps.tenancy.background import send_on_commit

from .chain_checks import pack_chain_check
from .checkpoints import events_verify
from .models import ChainCheck, EvidencePack
from .pack_content import SUBJECTS, period_story, subject_exists, subject_story
from .subjects import pack_about, subject_ref, subject_refs

MAX_PERIOD_DAYS = 366


def may_use_packs(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("accounts.view_audit"))


@transaction.atomic
def evidence_pack_request(
    *,
    actor: User,
    subject_type: str = "",
    subject_id: str = "",
    period_start: date | None = None,
    period_end: date | None = None,
) -> EvidencePack:
    if not may_use_packs(actor):
        raise PermissionRefused()
    if subject_type or subject_id:
        if subject_type not in SUBJECTS:
            raise ValidationFailed(
                errors={"subject_type": [_("One of: %s.") % ", ".join(sorted(SUBJECTS))]}
            )
        if not subject_exists(subject_type, subject_id):
            raise ValidationFailed(errors={"subject_id": [_("No such %s.") % subject_type]})
    elif period_start and period_end:
        if period_end < period_start:
            raise ValidationFailed(errors={"period_end": [_("The end is before the start.")]})
        if (period_end - period_start).days > MAX_PERIOD_DAYS:
            raise ValidationFailed(errors={"period_end": [_("At most a year per pack.")]})
    else:
        raise ValidationFailed(
            _("Give subject_type and subject_id, or period_start and period_end."),
            errors={"subject_type": [_("Required unless a period is given.")]},
        )
    pack = EvidencePack.objects.create(
        subject_type=subject_type,
        subject_id=str(subject_id),
        period_start=None if subject_type else period_start,
        period_end=None if subject_type else period_end,
        requested_by=actor,
    )
    event_record(
        actor=actor,
        action="evidence_pack.requested",
        subject_type="evidence_pack",
        subject_id=pack.pk,
        data={
            "subject": f"{subject_type}:{subject_id}" if subject_type else None,
            "period": [period_start, period_end] if not subject_type else None,
        },
    )
    send_on_commit("apps.assurance.tasks.generate_evidence_pack", str(pack.pk))
    return pack


def _logo_uri(tenant: Any) -> str:
    logo = getattr(tenant, "brand_logo", None) if tenant is not None else None
    if logo is None:
        return ""
    encoded = base64.b64encode(bytes(logo.data)).decode()
    return f"data:{logo.content_type};base64,{encoded}"


def _events_for(pack: EvidencePack, subjects: list[tuple[str, str]]) -> list[AuditEvent]:
    if pack.is_period:
        assert pack.period_start and pack.period_end
        low, high = period_bounds(pack.period_start, pack.period_end)
        return list(AuditEvent.objects.filter(at__range=(low, high)).order_by("id"))
    from django.db.models import Q

    wanted = Q(pk__in=[])
    for subject_type, subject_id in subjects:
        wanted |= Q(subject_type=subject_type, subject_id=subject_id)
    return list(AuditEvent.objects.filter(wanted).order_by("id"))


def render_pack(pack: EvidencePack, tenant: Any) -> tuple[bytes, int, dict[str, Any]]:
    """The PDF, its page count, and what it found (events, chain)."""
    from weasyprint import HTML

    # the events committed up to now are linked before the pack reads them and their hashes
    events_chain_link()
    if pack.is_period:
        assert pack.period_start and pack.period_end
        events = _events_for(pack, [])
        story = period_story(pack.period_start, pack.period_end, events)
    else:
        found = subject_story(pack.subject_type, pack.subject_id)
        if found is None:
            raise ValueError(f"{pack.subject_type} {pack.subject_id} no longer exists")
        story = found
        events = _events_for(pack, story.subjects)
    chain = pack_chain_check([e.pk for e in events])
    named = subject_refs(events)
    ref = "" if pack.is_period else subject_ref(pack.subject_type, pack.subject_id)
    html = render_to_string(
        "audit/pack.html",
        {
            "pack": pack,
            "about": pack_about(pack, ref),
            "story": story,
            "events": [
                {
                    "event": e,
                    "subject": named.get((e.subject_type, str(e.subject_id)), (e.subject_id,))[0],
                    "data": json.dumps(e.data, cls=DjangoJSONEncoder, sort_keys=True)[:2000],
                    "broken": chain.first_bad is not None and e.pk >= chain.first_bad,
                }
                for e in events
            ],
            "chain": chain,
            "whole_chain": chain.scope == ChainCheck.Scope.FULL,
            "generated_at": timezone.now(),
            "tenant": tenant,
            "portal_name": getattr(tenant, "portal_name", "") or "Spendgate",
            "logo": _logo_uri(tenant),
        },
    )
    document = HTML(string=html).render()
    pdf = document.write_pdf()
    return pdf, len(document.pages), {"events": len(events), "chain": chain, "title": story.title}


def evidence_pack_build(pack_id: Any) -> EvidencePack:
    """Build the PDF (the worker's job). A failure is kept on the pack, never lost."""
    tenant = getattr(connection, "tenant", None)
    pack = EvidencePack.objects.get(pk=pack_id)
    if pack.status == EvidencePack.Status.READY:
        return pack
    try:
        with in_language_of(pack.requested_by, tenant=tenant):  # the asker's, not the worker's
            pdf, pages, found = render_pack(pack, tenant)
    except Exception as exc:
        with transaction.atomic():
            if pack.status != EvidencePack.Status.FAILED:  # a retry that failed again
                move_status(pack, EvidencePack.Status.FAILED, noun=_("evidence pack"))
            pack.error = str(exc)[:500]
            pack.save(update_fields=["status", "error"])
            event_record(
                actor="system:reports",
                action="evidence_pack.failed",
                subject_type="evidence_pack",
                subject_id=pack.pk,
                data={"error": pack.error},
            )
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    path = default_storage.save(f"evidence/{pack.pk}.pdf", ContentFile(pdf))
    chain = found["chain"]
    with transaction.atomic():
        # a redelivered task and the catch-up sweep may build the same pack at once: the
        # first to lock the row finishes it, the other leaves no trace
        current = EvidencePack.objects.select_for_update().get(pk=pack.pk)
        if current.status == EvidencePack.Status.READY:
            default_storage.delete(path)
            return current
        pack.status = current.status
        move_status(pack, EvidencePack.Status.READY, noun=_("evidence pack"))
        pack.ready_at = timezone.now()
        pack.title = found["title"][:300]
        pack.file, pack.sha256, pack.size, pack.pages = path, digest, len(pdf), pages
        pack.events = found["events"]
        pack.chain_valid, pack.chain_first_bad = chain.valid, chain.first_bad
        pack.save()
        event_record(
            actor="system:reports",
            action="evidence_pack.generated",
            subject_type="evidence_pack",
            subject_id=pack.pk,
            data={
                "sha256": digest,
                "size": len(pdf),
                "pages": pages,
                "events": pack.events,
                "chain_valid": chain.valid,
                "chain_first_bad": chain.first_bad,
                "chain_scope": chain.scope,
                "chain_events": chain.count,
                "title": pack.title,
            },
        )
    return pack


def evidence_pack_download(*, actor: User, pack_id: Any) -> EvidencePack | None:
    """The pack, if this person may take it away (auditors and tenant admins) and it is
    ready; the download itself is audited."""
    if not may_use_packs(actor):
        raise PermissionRefused()
    pack = EvidencePack.objects.filter(pk=pack_id).first()
    if pack is None or pack.status != EvidencePack.Status.READY:
        return None
    with transaction.atomic():
        event_record(
            actor=actor,
            action="evidence_pack.downloaded",
            subject_type="evidence_pack",
            subject_id=pack.pk,
            data={"sha256": pack.sha256},
        )
    return pack


@dataclass
class PackVerification:
    ok: bool
    sha256: str
    pack: EvidencePack | None
    recorded_at: Any
    chain_valid: bool | None
    message: str


def verify_pack_file(data: bytes) -> PackVerification:
    """In the current tenant: is this exactly a pack we generated, recorded in the chain?"""
    digest = hashlib.sha256(data).hexdigest()
    pack = EvidencePack.objects.filter(sha256=digest, status=EvidencePack.Status.READY).first()
    if pack is None:
        return PackVerification(
            False, digest, None, None, None, _("no pack of this tenant has this SHA-256")
        )
    event = AuditEvent.objects.filter(
        action="evidence_pack.generated", subject_id=str(pack.pk), data__sha256=digest
    ).first()
    if event is None:
        return PackVerification(
            False, digest, pack, None, None, _("the pack's SHA-256 is not in the audit trail")
        )
    events_chain_link()  # the pack's own event may have been written a moment ago
    chain = events_verify([event.pk])
    # the whole chain (no checkpoint trusted): as before, a break after the event leaves it
    # intact; through a checkpoint, the range from the event to it must hold
    intact = chain.valid or (
        chain.scope == ChainCheck.Scope.FULL and (chain.first_bad or 0) > event.pk
    )
    message = (
        _("matches the pack recorded in the audit trail")
        if intact
        else _("matches a recorded pack, but the audit chain is broken at event %s")
        % chain.first_bad
    )
    return PackVerification(intact, digest, pack, event.at, chain.valid, message)


def recent_period() -> tuple[date, date]:
    """Last calendar month, the default period on /audit/."""
    first_this = timezone.localdate().replace(day=1)
    last = first_this - timedelta(days=1)
    return last.replace(day=1), last
