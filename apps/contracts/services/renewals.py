"""Renewal and expiry, the way supplier documents are watched: a contract's owner is told at the
notice date (the last day to give notice) and 30, 14 and 7 days before the end, each once per
end date; after the end an auto-renewing contract runs on for its renewal term (an amendment),
any other expires and stops counting as on contract. Run daily by Celery beat in every
tenant."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.language import in_language_of
from apps.controls.transitions import move_status
from apps.events.services import event_record, events_lock_first
from apps.workflow.notices import tell

from ..models import Contract, ContractAlert
from .register import amendment_record, payload_of

ALERT_DAYS = (30, 14, 7)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def notice_date(contract: Contract) -> date | None:
    return contract.ends_on - timedelta(days=contract.notice_days) if contract.notice_days else None


def contract_renewal_alerts(*, today: date | None = None) -> dict[str, int]:
    """Send what is due today; running again sends nothing twice (one row per alert)."""
    today = today or timezone.localdate()
    counts = {"alerts": 0, "expired": 0, "renewed": 0}
    contracts = Contract.objects.filter(status=Contract.Status.ACTIVE).select_related(
        "supplier", "owner"
    )
    for contract in contracts:
        days_left = (contract.ends_on - today).days
        if days_left < 0:
            key = "renewed" if contract.auto_renew else "expired"
            if _end(contract.pk, today):
                counts[key] += 1
            continue
        notice = notice_date(contract)
        if notice is not None and notice <= today and _alert(contract, "notice", days_left):
            counts["alerts"] += 1
        due = [t for t in ALERT_DAYS if days_left <= t]
        if due and _alert(contract, "end", days_left, nearest=min(due), skipped=due):
            counts["alerts"] += 1
    return counts


def _skipped_record(
    contract: Contract, kind: str, skipped: list[int], *, nearest: int | None
) -> None:
    """The alert days that passed while nobody was told (registered late) are kept as not
    sent: they are not owed now."""
    for other in skipped:
        if other != nearest:
            ContractAlert.objects.get_or_create(
                contract=contract,
                ends_on=contract.ends_on,
                kind=kind,
                days_before=other,
                defaults={"sent": False},
            )


def _day(day: date | None) -> str:
    """A date as the reader writes it (31.12.2026 in German)."""
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


def _expiring_text(contract: Contract, kind: str, days_left: int, notice: date | None) -> str:
    """What the owner is told: the contract ends, today is the last day to give notice, or
    the notice date has passed."""
    if kind == "notice" and notice is not None and notice < timezone.localdate():
        return _("%(n)s %(t)s: the notice date %(nd)s has passed (it ends on %(d)s).") % {
            "n": contract.number,
            "t": contract.title,
            "nd": _day(notice),
            "d": _day(contract.ends_on),
        }
    if kind == "notice":
        message = _("%(n)s %(t)s: today is the last day to give notice (it ends on %(d)s).")
    else:
        message = _("%(n)s %(t)s ends on %(d)s (%(days)d days).")
    return message % {
        "n": contract.number,
        "t": contract.title,
        "d": _day(contract.ends_on),
        "days": days_left,
    }


@transaction.atomic
def _alert(
    contract: Contract,
    kind: str,
    days_left: int,
    *,
    nearest: int | None = None,
    skipped: list[int] | None = None,
) -> bool:
    days_before = contract.notice_days if kind == "notice" else nearest
    assert days_before is not None
    # the alert's row references the contract (a key-share lock on it): the chain first
    events_lock_first()
    try:
        with transaction.atomic():
            ContractAlert.objects.create(
                contract=contract, ends_on=contract.ends_on, kind=kind, days_before=days_before
            )
    except IntegrityError:
        return False  # sent before
    _skipped_record(contract, kind, skipped or [], nearest=nearest)
    notice = notice_date(contract)
    event_record(
        actor="system:renewals",
        action="contract.expiring",
        subject_type="contract",
        subject_id=contract.pk,
        data={"alert": kind, "days_before": days_before, "days_left": days_left},
        payload=payload_of(
            contract,
            alert=kind,
            days_left=days_left,
            notice_date=notice,
            auto_renew=contract.auto_renew,
        ),
    )
    _tell_owner(
        contract,
        kind="contract.expiring",
        message=lambda: _expiring_text(contract, kind, days_left, notice),
    )
    return True


def _tell_owner(contract: Contract, *, kind: str, message: Callable[[], str]) -> None:
    """A notice and an e-mail to the contract's owner, in the owner's language."""
    owner = contract.owner
    if owner is None or not owner.is_active:
        return
    tell([owner], message, kind=kind, subject_type="contract", subject_id=str(contract.pk))
    with in_language_of(owner):
        text = str(message())
    transaction.on_commit(
        lambda: send_mail(
            subject=text[:120], message=text, from_email=None, recipient_list=[owner.email]
        )
    )


@transaction.atomic
def _end(contract_id: Any, today: date) -> bool:
    events_lock_first()  # the chain before the contract, as every contract service
    contract = (
        Contract.objects.select_for_update(of=("self",), no_key=True)
        .select_related("supplier", "owner")
        .get(pk=contract_id)
    )
    if contract.status != Contract.Status.ACTIVE or contract.ends_on >= today:
        return False
    if contract.auto_renew:
        was = contract.ends_on
        contract.ends_on = add_months(was, contract.renewal_months)
        contract.save(update_fields=["ends_on"])
        amendment_record(
            contract,
            actor="system:renewals",
            reason=_("renewed automatically for %d months") % contract.renewal_months,
            changes={"ends_on": [str(was), str(contract.ends_on)]},
        )
        event_record(
            actor="system:renewals",
            action="contract.renewed",
            subject_type="contract",
            subject_id=contract.pk,
            before={"ends_on": was},
            after={"ends_on": contract.ends_on},
        )
        _tell_owner(
            contract,
            kind="contract.renewed",
            message=lambda: (
                _("%(n)s renewed automatically until %(d)s.")
                % {"n": contract.number, "d": _day(contract.ends_on)}
            ),
        )
        return True
    move_status(contract, Contract.Status.EXPIRED, noun=_("contract"))
    contract.save(update_fields=["status"])
    event_record(
        actor="system:renewals",
        action="contract.expired",
        subject_type="contract",
        subject_id=contract.pk,
        after={"status": contract.status},
        payload=payload_of(contract),
    )
    _tell_owner(
        contract,
        kind="contract.expired",
        message=lambda: (
            _("%(n)s %(t)s expired on %(d)s; purchases no longer count as on contract.")
            % {"n": contract.number, "t": contract.title, "d": _day(contract.ends_on)}
        ),
    )
    return True
