"""The bank's side, for the demo and the tests: the camt.054 debit notification a bank sends
back for a pain.001 it executed (one booked debit per credit transfer, with its end-to-end id),
optionally with other amounts, as a bank that paid something else would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from lxml import etree

PAIN = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CAMT = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{CAMT}}}{tag}", **attrs)
    if text is not None:
        node.text = text
    return node


def transfers(pain001: str) -> list[tuple[str, Decimal, str]]:
    """(end-to-end id, amount, currency) of each credit transfer in a pain.001."""
    root = etree.fromstring(pain001.encode())
    ns = {"p": PAIN}
    return [
        (
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns) or "",
            Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=ns) or "0"),
            tx.find("p:Amt/p:InstdAmt", namespaces=ns).get("Ccy", ""),  # type: ignore[union-attr]
        )
        for tx in root.iterfind(".//p:CdtTrfTxInf", namespaces=ns)
    ]


def debit_notification(
    pain001: str,
    *,
    message_id: str = "",
    amounts: dict[str, Decimal] | None = None,
    booked_on: date | None = None,
) -> bytes:
    """A camt.054.001.08 with one booked debit per transfer of the pain.001; `amounts` changes
    the amount of the transfers it names (by end-to-end id)."""
    amounts = amounts or {}
    now = timezone.now().replace(microsecond=0)
    root = etree.Element(f"{{{CAMT}}}Document", nsmap={None: CAMT})
    body = _el(root, "BkToCstmrDbtCdtNtfctn")
    header = _el(body, "GrpHdr")
    _el(header, "MsgId", message_id or f"CAMT054-{now:%Y%m%d%H%M%S}")
    _el(header, "CreDtTm", now.isoformat())
    notification = _el(body, "Ntfctn")
    _el(notification, "Id", f"NTF-{now:%Y%m%d%H%M%S}")
    _el(notification, "CreDtTm", now.isoformat())
    debtor = etree.fromstring(pain001.encode()).findtext(
        ".//p:DbtrAcct/p:Id/p:IBAN", namespaces={"p": PAIN}
    )
    _el(_el(_el(notification, "Acct"), "Id"), "IBAN", debtor or "")
    day = (booked_on or timezone.localdate()).isoformat()
    for end_to_end, amount, currency in transfers(pain001):
        value = f"{amounts.get(end_to_end, amount):.2f}"
        entry = _el(notification, "Ntry")
        _el(entry, "Amt", value, Ccy=currency)
        _el(entry, "CdtDbtInd", "DBIT")
        _el(_el(entry, "Sts"), "Cd", "BOOK")
        _el(_el(entry, "BookgDt"), "Dt", day)
        _el(_el(entry, "ValDt"), "Dt", day)
        _el(entry, "BkTxCd")
        details = _el(_el(entry, "NtryDtls"), "TxDtls")
        _el(_el(details, "Refs"), "EndToEndId", end_to_end)
        _el(details, "Amt", value, Ccy=currency)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
