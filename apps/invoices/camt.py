"""ISO 20022 bank-to-customer messages: camt.053 (account statement) and camt.054 (debit and
credit notification), any version 02 and later. Read completely before anything is applied: a
file that is not one, or lacks an element an entry needs, is refused with the element named."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from apps.controls.values import amount_problem, currency_problem

from .intake import InvalidDocument, date_of, decimal_of
from .intake.ubl import parse_xml

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.\d\d$")
_CONTAINERS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


@dataclass
class Entry:
    where: str  # the element, for people: "Ntfctn[1]/Ntry[2]/NtryDtls/TxDtls[1]"
    reference: str  # the end-to-end id, or the batch's payment information id
    batch: bool  # a run booked as one amount (NtryDtls/Btch/PmtInfId)
    amount: Decimal
    currency: str
    booked_on: date | None
    debit: bool
    booked: bool


def _child(node: Any, *names: str) -> Any:
    for name in names:
        node = None if node is None else node.find(f"{{*}}{name}")
    return node


def _text(node: Any, *names: str) -> str:
    found = _child(node, *names)
    return (found.text or "").strip() if found is not None else ""


def _amount(node: Any, where: str) -> tuple[Decimal, str]:
    if node is None or not (node.text or "").strip():
        raise InvalidDocument(_("%s: the amount is missing.") % where, where=where)
    currency = (node.get("Ccy") or "").strip()
    if not currency:
        raise InvalidDocument(_("%s: the currency (Ccy) is missing.") % where, where=where)
    if problem := currency_problem(currency):
        raise InvalidDocument(f"{where}/@Ccy: {problem}", where=f"{where}/@Ccy")
    amount = decimal_of(node.text, where)
    if problem := amount_problem(amount):  # 1e999 is finite; no column keeps it
        raise InvalidDocument(f"{where}: {problem}", where=where)
    return amount, currency


def _status(entry: Any) -> str:
    status = _child(entry, "Sts")
    if status is None:
        return ""
    # version 02-07: <Sts>BOOK</Sts>; 08 and later: <Sts><Cd>BOOK</Cd></Sts>
    return (_text(status, "Cd") or (status.text or "")).strip().upper()


def _entries_of(entry: Any, where: str) -> list[Entry]:
    amount, currency = _amount(_child(entry, "Amt"), f"{where}/Amt")
    indicator = _text(entry, "CdtDbtInd").upper()
    if indicator not in ("DBIT", "CRDT"):
        raise InvalidDocument(
            _("%s/CdtDbtInd: DBIT or CRDT expected.") % where, where=f"{where}/CdtDbtInd"
        )
    booked_text = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10]
    booked_on = date_of(booked_text, f"{where}/BookgDt") if booked_text else None
    common = {
        "booked_on": booked_on,
        "debit": indicator == "DBIT",
        "booked": _status(entry) in ("BOOK", ""),
    }
    out: list[Entry] = []
    for d, details in enumerate(entry.findall("{*}NtryDtls"), start=1):
        transactions = details.findall("{*}TxDtls")
        for t, tx in enumerate(transactions, start=1):
            here = f"{where}/NtryDtls[{d}]/TxDtls[{t}]"
            node = _child(tx, "Amt")
            if node is None:
                node = _child(tx, "AmtDtls", "TxAmt", "Amt")
            tx_amount, tx_currency = (
                _amount(node, f"{here}/Amt")
                if node is not None
                else (amount, currency)
                if len(transactions) == 1
                else _amount(None, f"{here}/Amt")
            )
            out.append(
                Entry(
                    where=here,
                    reference=_text(tx, "Refs", "EndToEndId"),
                    batch=False,
                    amount=tx_amount,
                    currency=tx_currency,
                    **common,  # type: ignore[arg-type]
                )
            )
        batch = _text(details, "Btch", "PmtInfId")
        if not transactions and batch:
            out.append(
                Entry(
                    where=f"{where}/NtryDtls[{d}]/Btch",
                    reference=batch,
                    batch=True,
                    amount=amount,
                    currency=currency,
                    **common,  # type: ignore[arg-type]
                )
            )
    if not out:
        out.append(
            Entry(
                where=where,
                reference=_text(entry, "NtryRef") or _text(entry, "AcctSvcrRef"),
                batch=False,
                amount=amount,
                currency=currency,
                **common,  # type: ignore[arg-type]
            )
        )
    return out


def parse_statement(data: bytes) -> tuple[str, str, list[Entry]]:
    """(kind, the message id, every entry's transactions) of a camt.053 or camt.054 file."""
    root = parse_xml(data)
    qname = etree.QName(root)
    found = _NAMESPACE.match(qname.namespace or "")
    if not found or qname.localname != "Document":
        raise InvalidDocument(
            _("Not an ISO 20022 camt.053 or camt.054 document: the root is {%(ns)s}%(el)s.")
            % {"ns": qname.namespace or "", "el": qname.localname},
            where="Document",
        )
    kind = found.group(1)
    message, report = _CONTAINERS[kind]
    body = _child(root, message)
    if body is None:
        raise InvalidDocument(_("The element %s is missing.") % message, where=message)
    message_id = _text(body, "GrpHdr", "MsgId")
    if not message_id:
        raise InvalidDocument(_("The element GrpHdr/MsgId is missing."), where="GrpHdr/MsgId")
    entries: list[Entry] = []
    reports = body.findall(f"{{*}}{report}")
    if not reports:
        raise InvalidDocument(_("The element %s is missing.") % report, where=report)
    for r, node in enumerate(reports, start=1):
        for n, entry in enumerate(node.findall("{*}Ntry"), start=1):
            entries.extend(_entries_of(entry, f"{report}[{r}]/Ntry[{n}]"))
    return kind, message_id, entries
