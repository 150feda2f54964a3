"""Supplier questions: a supplier's portal user asks about one of its invoices or payments and
the assistant answers from what that supplier may see (facts.py), or hands the question to AP,
who reply. Not found among ITS invoices, a question about anything else, or not sure enough:
the same hand-over, so the answer never tells an invoice of another supplier from none."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import ApplicationError, NotFound, PermissionRefused, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.suppliers.models import Supplier
from apps.suppliers.selectors import supplier_of

from ..models import SupplierQuestion
from ..services import advice_record, assistant_setting
from .facts import InvoiceFacts, facts_of, invoices_asked
from .parse import Reading, read_question
from .phrases import phrase

ASSISTANT = "supplier_answers"
MAX_TEXT = 1000
MODEL = "keyword-rules v1"


class AssistantSwitchedOff(ApplicationError):
    status = 404
    code = "not_found"
    default_detail = gettext_lazy("Questions are not answered here.")


def _asking_supplier(actor: Any) -> Supplier:
    """The supplier a portal user acts for (apps.suppliers.services.access): anyone else is
    refused."""
    require(actor, "accounts.use_supplier_portal")
    supplier = supplier_of(actor)
    if supplier is None:
        raise PermissionRefused()
    return supplier


def compose(reading: Reading, found: list[InvoiceFacts]) -> str:
    """The answer, in the question's language, from the facts alone."""
    lang, sentences = reading.language, []
    for facts in found:
        sentences.append(phrase(lang, facts.status, number=facts.number, date=facts.payment_date))
        if reading.intent in (None, "status", "payment_date") and facts.status == "approved":
            sentences.append(phrase(lang, "expected", date=facts.payment_date))
        elif reading.intent == "payment_date" and facts.status not in ("paid", "rejected"):
            if facts.due_date:
                sentences.append(phrase(lang, "after_approval", due=facts.due_date))
            else:
                sentences.append(phrase(lang, "no_date"))
        if reading.intent == "missing" or facts.missing:
            sentences.extend(phrase(lang, key, **values) for key, values in facts.missing)
            if reading.intent == "missing" and not facts.missing:
                sentences.append(phrase(lang, "nothing_missing"))
    return " ".join(sentences)


@transaction.atomic
def supplier_question_ask(*, actor: User, text: str) -> SupplierQuestion:
    """Answer a supplier's question, or hand it to AP; either way it is kept, and what the
    supplier was told is stored as advice shown to it."""
    supplier = _asking_supplier(actor)
    setting = assistant_setting(ASSISTANT)
    if not setting["enabled"]:
        raise AssistantSwitchedOff()
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(errors={"text": [_("Write your question.")]})
    text = text[:MAX_TEXT]
    reading = read_question(text)
    invoices = invoices_asked(supplier, reading.invoice_numbers, reading.order_numbers)
    found = [facts_of(invoice) for invoice in invoices]
    answered = bool(found) and reading.confidence >= float(setting["threshold"])
    answer = compose(reading, found) if answered else phrase(reading.language, "handed")
    question = SupplierQuestion.objects.create(
        supplier=supplier,
        asked_by=actor,
        text=text,
        language=reading.language,
        answer=answer,
        status=SupplierQuestion.Status.ANSWERED
        if answered
        else SupplierQuestion.Status.HANDED_TO_AP,
        asked_at=timezone.now(),
    )
    advice_record(
        assistant=ASSISTANT,
        model_version=MODEL,
        inputs={"text": text, "supplier": str(supplier.pk)},
        output={
            "intent": reading.intent,
            "language": reading.language,
            "answered": answered,
            "answer": answer,
            "invoices": [f.number for f in found] if answered else [],
        },
        confidence=reading.confidence,
        shown_to=actor,
        subject_type="supplier_question",
        subject_id=str(question.pk),
    )
    return question


@transaction.atomic
def supplier_question_escalate(*, actor: User, question_id: Any) -> SupplierQuestion:
    """The supplier found the answer wanting: the question goes to AP."""
    supplier = _asking_supplier(actor)
    question = (
        SupplierQuestion.objects.select_for_update()
        .filter(pk=question_id, supplier=supplier)
        .first()
    )
    if question is None:
        raise NotFound()
    move_status(question, SupplierQuestion.Status.HANDED_TO_AP, noun=_("question"))
    question.save(update_fields=["status"])
    return question


@transaction.atomic
def supplier_question_reply(*, actor: User, question_id: Any, reply: str) -> SupplierQuestion:
    """AP answers a question (the supplier reads the reply in its portal) and closes it."""
    require(actor, "accounts.process_invoices")
    question = SupplierQuestion.objects.select_for_update().filter(pk=question_id).first()
    if question is None:
        raise NotFound()
    reply = (reply or "").strip()
    if not reply:
        raise ValidationFailed(errors={"reply": [_("Write the reply.")]})
    move_status(question, SupplierQuestion.Status.CLOSED, noun=_("question"))
    question.reply, question.handled_by, question.replied_at = reply[:4000], actor, timezone.now()
    question.save(update_fields=["status", "reply", "handled_by", "replied_at"])
    event_record(
        actor=actor,
        action="supplier_question.replied",
        subject_type="supplier_question",
        subject_id=question.pk,
        after={"status": question.status},
        data={"supplier": question.supplier.name, "reply": question.reply},
    )
    return question
