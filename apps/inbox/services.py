"""E-mail intake. `mail_receive` takes one raw message (from the SMTP listener, the IMAP poll or
an authenticated POST) in the tenant's schema: from a supplier contact, each PDF or XML
attachment becomes an invoice (channel `email`) through the same import as uploads; anything
else is quarantined for AP, who assigns it to a supplier or discards it with a reason."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.identity import normalised_identity
from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import ApplicationError, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.einvoices.files import read_content
from apps.events.services import event_record
from apps.invoices.models import Invoice
from apps.invoices.services.checks import UnknownSupplier, other_seller
from apps.invoices.services.receive import invoice_receive, schedule_matching
from apps.invoices.usage import invoice_intake_guard
from apps.suppliers.models import Supplier
from apps.suppliers.secrets import encrypt
from apps.suppliers.selectors import supplier_of
from apps.telemetry.metrics import count
from apps.tenancy.plans import PlanLimitReached

from .drafts import draft_from_mail, has_invoice_xml
from .hosts import MailboxFailure, mailbox_address
from .mime import USABLE, Attachment, Mail, headers_of, read_mail
from .models import Mailbox, MailMessage
from .senders import Envelope, sender_verify

SYSTEM = "system:mail"
Reason = MailMessage.Reason
Status = MailMessage.Status


def senders_suppliers(address: str) -> list[Supplier]:
    """The suppliers whose contact the address is: the supplier's e-mail, or a portal user."""
    if not address:
        return []
    # the address as the sign-in reads it: PostgreSQL's case-insensitive match would take a
    # dotless i (U+0131) for an i, so its candidates are held to the identity itself
    identity = normalised_identity(address)
    found = {
        s.pk: s
        for s in Supplier.objects.filter(email__iexact=address)
        if normalised_identity(s.email) == identity
    }
    for user in User.objects.with_identity(address).filter(is_active=True):
        supplier = supplier_of(user)
        if supplier is not None:
            found.setdefault(supplier.pk, supplier)
    return sorted(found.values(), key=lambda s: s.name)


def _import(
    attachments: list[Attachment],
    supplier: Supplier,
    actor: Any,
    done: set[str],
    message: MailMessage,
) -> tuple[list[dict[str, Any]], list[Invoice]]:
    """Each usable attachment not imported before (`done`: their SHA-256) becomes invoices of
    `supplier`, each in its own savepoint; a PDF without e-invoice data is read into a draft
    of the review list (drafts.py) instead; answers every attachment's description."""
    described: list[dict[str, Any]] = []
    invoices: list[Invoice] = []
    for attachment in attachments:
        row = attachment.described()
        described.append(row)
        if attachment.kind not in USABLE or attachment.sha256 in done:
            continue
        if attachment.kind == "pdf" and not has_invoice_xml(attachment.data):
            draft = draft_from_mail(
                message=message, name=attachment.name, data=attachment.data, supplier=supplier
            )
            row["draft"] = str(draft.pk)
            continue
        try:
            with transaction.atomic():
                # mime.read_mail refused active PDFs as it read the mail
                parsed_invoices, (content_type, extension) = read_content(
                    attachment.data, pdf_checked=True
                )
                created = []
                for parsed in parsed_invoices:
                    parsed.channel = Invoice.Channel.EMAIL
                    _same_seller(parsed, supplier)
                    created.append(
                        invoice_receive(
                            actor=actor,
                            parsed=parsed,
                            supplier=supplier,
                            original=(attachment.data, attachment.name, content_type, extension),
                            schedule=False,
                        )
                    )
        except ApplicationError as exc:
            row["problem"] = exc.text()[:300]
            continue
        invoices.extend(created)
        row["invoices"] = [{"id": str(i.pk), "number": i.invoice_number} for i in created]
    return described, invoices


def _same_seller(parsed: Any, supplier: Supplier) -> None:
    """An e-invoice that names another known seller is not filed under the sender; one whose
    seller is on no record is the sender's supplier's (the checks compare its tax id)."""
    try:
        other = other_seller(parsed, supplier)
    except UnknownSupplier:
        return
    if other is not None:
        raise UnknownSupplier(
            _("The invoice names another seller (%s), not the sender's supplier.") % other.name
        )


def _store(raw: bytes) -> str:
    return default_storage.save(f"mail/{uuid.uuid4().hex}.eml", ContentFile(raw))


def _problems(described: list[dict[str, Any]]) -> str:
    """What went wrong with the e-invoice attachments (an image beside them is no problem)."""
    return "; ".join(
        f"{row['name']}: {row['problem']}"
        for row in described
        if row["problem"] and (row["kind"] in USABLE or not row["kind"])
    )


def _sender_refusal(mail: Mail, raw: bytes, envelope: Envelope | None) -> tuple[str, str, str]:
    """(reason, detail, how the sender was verified) for who sent the mail: the From header
    must name exactly one address and that address must be verified (senders.py)."""
    if mail.malformed:
        return Reason.MALFORMED, mail.malformed, ""
    if mail.sender_problem:
        return Reason.SENDER_INVALID, f"{mail.sender_problem} ({mail.from_header or '-'})", ""
    verdict = sender_verify(raw=raw, sender=mail.sender, envelope=envelope)
    if not verdict.verified:
        return Reason.UNVERIFIED_SENDER, verdict.how, ""
    return "", "", verdict.how


def _over_hourly_limit(sender: str) -> bool:
    """A verified sender's mails of the last hour (what an unverified mail claims is not
    counted: a forger must not use up a supplier's allowance)."""
    since = timezone.now() - timedelta(hours=1)
    sent = (
        MailMessage.objects.filter(sender=sender, received_at__gte=since)
        .exclude(reason__in=[Reason.UNVERIFIED_SENDER, Reason.SENDER_INVALID, Reason.MALFORMED])
        .count()
    )
    return sent >= settings.INVOICE_MAIL_SENDER_HOURLY_LIMIT


def _filing_refusal(
    mail: Mail, usable: list[Attachment], suppliers: list[Supplier]
) -> tuple[str, str]:
    """(reason, detail) why a verified sender's mail cannot be filed by itself, or ('', '')."""
    if not usable:
        return Reason.NO_ATTACHMENT, _("The mail carries no PDF or XML attachment.")
    if not suppliers:
        return Reason.UNKNOWN_SENDER, _("%s is not the address of a supplier contact.") % (
            mail.sender or "?"
        )
    if len(suppliers) > 1:
        return Reason.SENDER_AMBIGUOUS, _("%(a)s is the contact of %(names)s.") % {
            "a": mail.sender,
            "names": ", ".join(s.name for s in suppliers),
        }
    if _over_hourly_limit(mail.sender):
        return Reason.RATE_LIMITED, _(
            "%(a)s sent %(n)s or more mails in the last hour; this one waits for AP."
        ) % {
            "a": mail.sender,
            "n": settings.INVOICE_MAIL_SENDER_HOURLY_LIMIT,
        }
    if len(usable) > settings.INVOICE_MAIL_MAX_INVOICES:
        return Reason.TOO_MANY_INVOICES, _(
            "The mail carries %(n)s e-invoice attachments; at most %(max)s are filed from one "
            "mail. AP decides on the rest."
        ) % {"n": len(usable), "max": settings.INVOICE_MAIL_MAX_INVOICES}
    try:
        invoice_intake_guard()
    except PlanLimitReached as refusal:  # the mail waits for AP: nothing is lost
        return Reason.PLAN_LIMIT, refusal.text()
    return "", ""


def _intake_refusal(
    mail: Mail, raw: bytes, envelope: Envelope | None, *, oversize: bool
) -> tuple[str, str, bool, str]:
    """(reason, detail, whether the mail is kept, how the sender was verified): an oversize
    mail or a forbidden attachment is refused and not kept; otherwise who sent it decides."""
    if oversize:
        return (
            Reason.OVERSIZE,
            _("%(size)s bytes; at most %(max)s are read.")
            % {"size": len(raw), "max": settings.MAIL_MAX_BYTES},
            False,
            "",
        )
    refused = [a for a in mail.attachments if not a.kind]
    if refused:
        return Reason.FORBIDDEN_ATTACHMENT, _problems([a.described() for a in refused]), False, ""
    reason, detail, verified_by = _sender_refusal(mail, raw, envelope)
    return reason, detail, True, verified_by


def _replayed(message: MailMessage) -> MailMessage:
    """The mail kept the first time, marked as answering a replay."""
    message.replay = True  # type: ignore[attr-defined]
    count("mail_intake", result="duplicate")
    return message


def _imported_into(
    message: MailMessage, mail: Mail, supplier: Supplier, actor: Any
) -> list[Invoice]:
    """The mail's e-invoices filed under the supplier; an unreadable one quarantines the
    mail."""
    described, invoices = _import(mail.attachments, supplier, actor, set(), message)
    message.attachments = described
    if _problems(described):
        move_status(message, Status.QUARANTINED, noun=_("e-mail"))
        message.reason, message.detail = Reason.UNREADABLE, _problems(described)[:500]
    return invoices


def _received_record(actor: Any, message: MailMessage) -> None:
    count("mail_intake", result="filed" if message.status == Status.RECEIVED else message.reason)
    event_record(
        actor=actor,
        action="mail_message.received"
        if message.status == Status.RECEIVED
        else "mail_message.quarantined",
        subject_type="mail_message",
        subject_id=message.pk,
        after={
            "status": message.status,
            "reason": message.reason,
            "sender": message.sender,
            "verified_by": message.verified_by,
            "subject": message.subject,
            "message_id": message.message_id,
            "sha256": message.sha256,
            "kept": bool(message.file),
        },
        data={"attachments": message.attachments, "detail": message.detail},
    )


@transaction.atomic
def mail_receive(
    *,
    raw: bytes,
    source: str,
    recipient: str = "",
    actor: Any = SYSTEM,
    envelope: Envelope | None = None,
) -> MailMessage:
    """Receive one message; the same Message-ID again answers the mail kept the first time.
    `envelope` is what the SMTP conversation said (MAIL FROM, client address, HELO)."""
    require(actor, "accounts.process_invoices")
    oversize = len(raw) > settings.MAIL_MAX_BYTES
    mail: Mail = headers_of(raw) if oversize else read_mail(raw)
    known = MailMessage.objects.filter(message_id=mail.message_id).first()
    if known is not None:
        return _replayed(known)
    usable = [a for a in mail.attachments if a.kind in USABLE]
    suppliers: list[Supplier] = []
    reason, detail, keep, verified_by = _intake_refusal(mail, raw, envelope, oversize=oversize)
    if not reason:
        suppliers = senders_suppliers(mail.sender)
        reason, detail = _filing_refusal(mail, usable, suppliers)
    try:
        with transaction.atomic():
            message = MailMessage.objects.create(
                message_id=mail.message_id,
                source=source[:10],
                sender=mail.sender,
                verified_by=verified_by,
                recipient=(recipient or (mail.recipients[0] if mail.recipients else ""))[:320],
                subject=mail.subject,
                size=len(raw),
                sha256=hashlib.sha256(raw).hexdigest(),
                status=Status.QUARANTINED if reason else Status.RECEIVED,
                reason=reason,
                detail=detail[:500],
                supplier=suppliers[0] if len(suppliers) == 1 else None,
                attachments=[a.described() for a in mail.attachments],
            )
    except IntegrityError:  # the same mail, delivered twice at the same moment
        return _replayed(MailMessage.objects.get(message_id=mail.message_id))
    invoices = [] if reason else _imported_into(message, mail, suppliers[0], actor)
    if keep:
        message.file = _store(raw)
    message.save()
    _received_record(actor, message)
    if invoices:
        schedule_matching([i.pk for i in invoices])
    return message


def _locked(mail_id: Any) -> MailMessage:
    message = MailMessage.objects.select_for_update().filter(pk=mail_id).first()
    if message is None:
        raise NotFound()
    return message


@transaction.atomic
def mail_assign(*, actor: User, mail_id: Any, supplier_id: Any) -> MailMessage:
    """AP files a quarantined mail under a supplier: its e-invoices not imported yet become
    that supplier's invoices. Refused, changing nothing, when none of them can be imported."""
    require(actor, "accounts.process_invoices")
    message = _locked(mail_id)
    supplier = Supplier.objects.filter(pk=supplier_id).first() if supplier_id else None
    if supplier is None:
        raise ValidationFailed(errors={"supplier": [_("Choose a supplier.")]})
    if message.status != Status.QUARANTINED:
        move_status(message, Status.ASSIGNED, noun=_("e-mail"))  # refuses: not quarantined
    if not message.file:
        raise ValidationFailed(
            errors={
                "mail": [
                    _(
                        "This mail was refused and not kept (%s); ask the supplier to send the "
                        "invoice again."
                    )
                    % message.get_reason_display()
                ]
            }
        )
    with default_storage.open(message.file, "rb") as handle:
        mail = read_mail(handle.read())
    done = {
        row["sha256"]
        for row in message.attachments
        if (row.get("invoices") or row.get("draft")) and row.get("sha256")
    }
    described, invoices = _import(mail.attachments, supplier, actor, done, message)
    if not invoices and not any(row.get("draft") for row in described):
        raise ValidationFailed(
            errors={"mail": [_problems(described) or _("The mail has no e-invoice to import.")]}
        )
    for row in described:  # what was imported before stays recorded
        before: dict[str, Any] = next(
            (r for r in message.attachments if r.get("sha256") == row["sha256"]), {}
        )
        row.setdefault("invoices", before.get("invoices", []))
        if before.get("draft"):
            row.setdefault("draft", before["draft"])
    move_status(message, Status.ASSIGNED, noun=_("e-mail"))
    message.supplier, message.attachments = supplier, described
    message.decided_by, message.decided_at = actor, timezone.now()
    message.save()
    event_record(
        actor=actor,
        action="mail_message.assigned",
        subject_type="mail_message",
        subject_id=message.pk,
        before={"status": Status.QUARANTINED},
        after={"status": message.status, "supplier": str(supplier.pk), "name": supplier.name},
        data={"invoices": [str(i.pk) for i in invoices]},
    )
    schedule_matching([i.pk for i in invoices])
    return message


@transaction.atomic
def mail_discard(*, actor: User, mail_id: Any, reason: str) -> MailMessage:
    require(actor, "accounts.process_invoices")
    if not (reason or "").strip():
        raise ValidationFailed(errors={"reason": [_("Say why; auditors read it.")]})
    message = _locked(mail_id)
    move_status(message, Status.DISCARDED, noun=_("e-mail"))
    message.decided_by, message.decided_at = actor, timezone.now()
    message.decision_note = reason.strip()[:500]
    message.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    event_record(
        actor=actor,
        action="mail_message.discarded",
        subject_type="mail_message",
        subject_id=message.pk,
        before={"status": Status.QUARANTINED},
        after={"status": message.status},
        data={"reason": message.decision_note},
    )
    return message


MAILBOX_FIELDS = ("host", "port", "use_ssl", "username", "folder", "enabled")


@transaction.atomic
def mailbox_set(*, actor: User, data: dict[str, Any]) -> Mailbox:
    """The tenant's IMAP mailbox (tenant admins): host, port, use_ssl, username, password
    (encrypted; left out, the stored one stays), folder, enabled."""
    require(actor, "accounts.manage_webhooks")
    mailbox = Mailbox.objects.select_for_update().first() or Mailbox()
    errors: dict[str, list[str]] = {}
    host = str(data.get("host", mailbox.host or "")).strip()
    if not host or any(c.isspace() for c in host):
        errors["host"] = [_("The IMAP server's host name.")]
    try:
        port = int(data.get("port", mailbox.port or 993))
        if not 0 < port < 65536:
            raise ValueError
    except (TypeError, ValueError):
        errors["port"] = [_("A port number.")]
        port = 993
    username = str(data.get("username", mailbox.username or "")).strip()
    if not username:
        errors["username"] = [_("The mailbox's user name.")]
    password = str(data.get("password") or "")
    if not password and not mailbox.password_encrypted:
        errors["password"] = [_("The mailbox's password.")]
    if "host" not in errors:
        try:
            mailbox_address(host, port)  # the outbound guard of webhooks; again at connect
        except MailboxFailure as failure:
            errors["host"] = [failure.text()]
    if errors:
        raise ValidationFailed(errors=errors)
    before = {f: getattr(mailbox, f) for f in MAILBOX_FIELDS} if mailbox.pk else None
    mailbox.host, mailbox.port, mailbox.username = host[:200], port, username[:200]
    mailbox.use_ssl = bool(data.get("use_ssl", mailbox.use_ssl if mailbox.pk else True))
    mailbox.folder = str(data.get("folder") or mailbox.folder or "INBOX")[:200]
    mailbox.enabled = bool(data.get("enabled", mailbox.enabled if mailbox.pk else True))
    if password:
        mailbox.password_encrypted = encrypt(password)
    mailbox.updated_by = actor
    mailbox.save()
    event_record(
        actor=actor,
        action="mailbox.updated" if before else "mailbox.created",
        subject_type="mailbox",
        subject_id=mailbox.pk,
        before=before,
        after={
            **{f: getattr(mailbox, f) for f in MAILBOX_FIELDS},
            "password_changed": bool(password),
        },
    )
    return mailbox
