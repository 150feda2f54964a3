"""ISO 20022 customer credit transfer initiation (pain.001.001.09) for a released run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from lxml import etree

from apps.suppliers.secrets import decrypt

NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        node.text = text
    return node


def end_to_end_id(run_number: str, invoice_id: Any) -> str:
    """What identifies one payment from the pain.001 to the bank's camt.053 / camt.054."""
    return f"{run_number}-{str(invoice_id)[:8]}"


def credit_transfer(run: Any, debtor: Any, payments: list[Any]) -> str:
    root = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    initiation = _el(root, "CstmrCdtTrfInitn")
    header = _el(initiation, "GrpHdr")
    _el(header, "MsgId", run.number)
    _el(header, "CreDtTm", timezone.now().replace(microsecond=0).isoformat())
    _el(header, "NbOfTxs", str(len(payments)))
    _el(header, "CtrlSum", f"{sum((p.amount for p in payments), Decimal('0')):.2f}")
    _el(_el(header, "InitgPty"), "Nm", debtor.name[:140])
    info = _el(initiation, "PmtInf")
    _el(info, "PmtInfId", run.number)
    _el(info, "PmtMtd", "TRF")
    _el(info, "NbOfTxs", str(len(payments)))
    _el(info, "CtrlSum", f"{sum((p.amount for p in payments), Decimal('0')):.2f}")
    _el(_el(info, "ReqdExctnDt"), "Dt", run.execution_date.isoformat())
    _el(_el(info, "Dbtr"), "Nm", debtor.name[:140])
    _el(_el(_el(info, "DbtrAcct"), "Id"), "IBAN", debtor.iban)
    _el(_el(_el(info, "DbtrAgt"), "FinInstnId"), "BICFI", debtor.bic)
    for payment in payments:
        invoice, account = payment.invoice, payment.bank_account
        transfer = _el(info, "CdtTrfTxInf")
        _el(_el(transfer, "PmtId"), "EndToEndId", end_to_end_id(run.number, invoice.pk))
        _el(_el(transfer, "Amt"), "InstdAmt", f"{payment.amount:.2f}", Ccy=run.currency)
        if account.bic:
            _el(_el(_el(transfer, "CdtrAgt"), "FinInstnId"), "BICFI", account.bic)
        _el(_el(transfer, "Cdtr"), "Nm", (account.account_holder or invoice.supplier.name)[:140])
        number = decrypt(account.number_encrypted)
        account_id = _el(_el(transfer, "CdtrAcct"), "Id")
        if account.scheme == "iban":
            _el(account_id, "IBAN", number)
        else:
            _el(_el(account_id, "Othr"), "Id", f"{account.routing_number}/{number}")
        _el(_el(transfer, "RmtInf"), "Ustrd", f"Invoice {invoice.invoice_number}"[:140])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
