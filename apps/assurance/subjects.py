"""What people call an audit event's subject: REQ-000021, PO-US01-000041, INV-7017, the
supplier's name, a user's e-mail, a bank statement's message id, with the page it is on; the
contexts above this one name theirs through apps.audit.subjects (a webhook endpoint by its
host, an ERP connection by its name). One query per kind of subject on a page of events,
whatever its length."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.audit.subjects import subject_namer
from apps.contracts.models import Contract
from apps.controls.refusals import ValidationFailed
from apps.invoices.models import Invoice
from apps.organization.models import Budget
from apps.payments.models import BankStatement, PaymentRun
from apps.procurement.models import GoodsReceipt, PurchaseOrder, Requisition
from apps.suppliers.models import Supplier

from .models import ComplianceReport, EvidencePack

# subject type → (model, the field people know it by, its page or "")
_KNOWN: dict[str, tuple[Any, str, str]] = {
    "requisition": (Requisition, "number", "/requisitions/{}/"),
    "purchase_order": (PurchaseOrder, "number", "/purchase-orders/{}/"),
    "goods_receipt": (GoodsReceipt, "number", ""),
    "invoice": (Invoice, "invoice_number", "/invoices/{}/"),
    "payment_run": (PaymentRun, "number", "/payments/{}/"),
    "supplier": (Supplier, "name", "/suppliers/{}/"),
    "contract": (Contract, "number", "/contracts/{}/"),
    "user": (User, "email", ""),
}

# subjects named here by more than one field
_OWN = {"budget", "compliance_report", "bank_statement", "evidence_pack"}


def subject_refs(events: Iterable[Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """(subject_type, subject_id) → (the name people use, its page); subjects already named
    by their id (policy v3, legal entity US01, …) are left out and shown as they are."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        kind = event.subject_type
        if kind in _KNOWN or kind in _OWN or subject_namer(kind) is not None:
            wanted[kind].add(str(event.subject_id))
    refs: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, ids in wanted.items():
        if kind == "budget":
            for budget in Budget.objects.filter(pk__in=_ints(ids)).select_related("cost_center"):
                refs[(kind, str(budget.pk))] = (budget.code, "/settings/reference-data/#budget")
            continue
        if kind == "compliance_report":
            for report in ComplianceReport.objects.filter(pk__in=valid_ids(ComplianceReport, ids)):
                refs[(kind, str(report.pk))] = (f"{report.period_start:%Y-%m}", "/audit/")
            continue
        if kind == "evidence_pack":
            refs.update(_pack_refs(ids))
            continue
        if kind == "bank_statement":
            rows = BankStatement.objects.filter(pk__in=valid_ids(BankStatement, ids))
            for pk, message_id, file_name in rows.values_list("pk", "message_id", "file_name"):
                refs[(kind, str(pk))] = (message_id or file_name or str(pk), "/payments/")
            continue
        namer = subject_namer(kind)
        if namer is not None:
            refs.update({(kind, pk): ref for pk, ref in namer(ids).items()})
            continue
        model, field, page = _KNOWN[kind]
        for pk, name in model.objects.filter(pk__in=valid_ids(model, ids)).values_list("pk", field):
            refs[(kind, str(pk))] = (str(name or pk), page.format(pk) if page else "")
    return refs


def _pack_refs(ids: set[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """Evidence packs by their title, or (queued, failed) by what they are about."""
    packs = list(EvidencePack.objects.filter(pk__in=valid_ids(EvidencePack, ids)))
    about = subject_refs(p for p in packs if p.subject_type)
    return {
        ("evidence_pack", str(p.pk)): (
            p.title or pack_about(p, about.get((p.subject_type, p.subject_id), ("", ""))[0]),
            "/audit/",
        )
        for p in packs
    }


def pack_about(pack: EvidencePack, ref: str) -> str:
    """What a pack is about, as people read it: "requisition REQ-000021" (`ref`, the name
    of its subject) or its period, from one date to the other."""
    if pack.period_start and pack.period_end:
        return "{} \u2013 {}".format(
            date_format(pack.period_start, "SHORT_DATE_FORMAT"),
            date_format(pack.period_end, "SHORT_DATE_FORMAT"),
        )
    noun = _KIND_NAMES.get(pack.subject_type)
    return f"{noun() if noun else pack.subject_type.replace('_', ' ')} {ref}".strip()


def _ints(ids: set[str]) -> list[int]:
    return [int(i) for i in ids if i.isascii() and i.isdigit()]  # not "²": int() refuses it


def valid_ids(model: Any, ids: set[str]) -> list[Any]:
    """Only ids of the key's type (an audit subject id is text)."""
    from uuid import UUID

    if model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField", "IntegerField"}:
        return _ints(ids)
    valid = []
    for value in ids:
        try:
            valid.append(UUID(value))
        except ValueError:
            continue
    return valid


def subject_by_number(reference: str, *, kind: str = "") -> tuple[str, str]:
    """(subject type, id) of what people call `reference`: a requisition (REQ-…), a purchase
    order (PO-…), an invoice by its number (INV-…, or the supplier's own numbering), a
    supplier by its name, or any of them by id. `kind` narrows the search to one type."""
    from uuid import UUID

    reference = reference.strip()
    # any kind the trail names by a number or name when asked for; these four when not
    kinds = [kind] if kind else list(_BY_NUMBER)
    wanted = [(k, _KNOWN[k][0], _KNOWN[k][1]) for k in kinds if k in _KIND_NAMES]
    lookups: list[tuple[str, Any, dict[str, Any]]]
    try:
        lookups = [(t, m, {"pk": UUID(reference)}) for t, m, _f in wanted]
    except ValueError:
        lookups = [(t, m, {f"{f}__iexact": reference}) for t, m, f in wanted]
    for subject_type, model, lookup in lookups if reference else []:
        found = list(model.objects.filter(**lookup).values_list("pk", flat=True)[:2])
        if len(found) > 1:
            raise ValidationFailed(
                _("%(number)s names more than one %(kind)s; ask by its id.")
                % {"number": reference, "kind": _KIND_NAMES[subject_type]()}
            )
        if found:
            return subject_type, str(found[0])
    raise ValidationFailed(
        _(
            "Nothing is numbered “%s”: give a requisition (REQ-…), purchase order (PO-…) or "
            "invoice number, or a supplier's name."
        )
        % reference
    )


def subject_asked(kind: str, reference: str) -> tuple[str, str]:
    """The audit filter's subject: (its id, "") when the number or name finds one, else
    (the text as typed, why not) — said on the page, so an unknown or ambiguous number does
    not look like a record without events."""
    try:
        return subject_by_number(reference, kind=kind)[1], ""
    except ValidationFailed as refusal:
        return reference, refusal.text()


def subject_ref(subject_type: str, subject_id: str) -> str:
    """The name people use for one subject ("" where the trail cannot name it)."""
    one = SimpleNamespace(subject_type=subject_type, subject_id=subject_id)
    return subject_refs([one]).get((subject_type, subject_id), ("", ""))[0]


_BY_NUMBER = ("requisition", "purchase_order", "invoice", "supplier")
_KIND_NAMES = {
    "requisition": lambda: _("requisition"),
    "purchase_order": lambda: _("purchase order"),
    "invoice": lambda: _("invoice"),
    "supplier": lambda: _("supplier"),
    "contract": lambda: _("contract"),
    "payment_run": lambda: _("payment run"),
    "goods_receipt": lambda: _("goods receipt"),
}
