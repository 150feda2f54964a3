"""Factur-X / ZUGFeRD: a PDF carrying a UN/CEFACT Cross Industry Invoice (CII) XML."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from . import ZERO, InvalidDocument, ParsedInvoice, ParsedLine, date_of, decimal_of, discount_terms
from .ubl import parse_xml

CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS = {
    "rsm": CII_NS,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
CREDIT_NOTE_TYPES = {"381", "261", "396"}


def embedded_xml(data: bytes) -> bytes:
    from facturx import get_xml_from_pdf

    try:
        _name, xml = get_xml_from_pdf(io.BytesIO(data), check_xsd=False)
    except Exception as exc:  # the library raises plain Exceptions for unreadable PDFs
        raise InvalidDocument(_("The PDF cannot be read: %s") % str(exc)[:200]) from None
    if not xml:
        raise InvalidDocument(
            _(
                "The PDF carries no Factur-X / ZUGFeRD XML; upload it through the supplier portal "
                "with the invoice data entered, or send the e-invoice file."
            )
        )
    return bytes(xml)


def _text(node: Any, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _amount(node: Any, path: str, default: Decimal | None = None) -> Decimal:
    value = _text(node, path)
    if not value:
        if default is not None:
            return default
        raise InvalidDocument(_("The element %s is missing or empty.") % path, where=path)
    return decimal_of(value, path)


def parse_cii(root: Any) -> ParsedInvoice:
    qname = etree.QName(root)
    if (qname.namespace, qname.localname) != (CII_NS, "CrossIndustryInvoice"):
        raise InvalidDocument(
            _("The embedded XML must be a CII CrossIndustryInvoice; it is {%(ns)s}%(el)s.")
            % {"ns": qname.namespace, "el": qname.localname},
            where="root",
        )
    document = root.find("rsm:ExchangedDocument", NS)
    trade = root.find("rsm:SupplyChainTradeTransaction", NS)
    if document is None or trade is None:
        raise InvalidDocument(
            _("ExchangedDocument or SupplyChainTradeTransaction is missing."), where="root"
        )
    agreement = trade.find("ram:ApplicableHeaderTradeAgreement", NS)
    settlement = trade.find("ram:ApplicableHeaderTradeSettlement", NS)
    if agreement is None or settlement is None:
        raise InvalidDocument(
            _("The header trade agreement or settlement is missing."),
            where="ram:ApplicableHeaderTradeSettlement",
        )
    summary = settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    if summary is None:
        raise InvalidDocument(
            _("The monetary summation is missing."),
            where="ram:SpecifiedTradeSettlementHeaderMonetarySummation",
        )
    number = _text(document, "ram:ID")
    if not number:
        raise InvalidDocument(_("The invoice number (ram:ID) is missing."), where="ram:ID")
    issued = date_of(_text(document, "ram:IssueDateTime/udt:DateTimeString"), "ram:IssueDateTime")
    seller = agreement.find("ram:SellerTradeParty", NS)
    tax_id = ""
    names: list[str] = []
    if seller is not None:
        names = [n for n in [_text(seller, "ram:Name")] if n]
        for registration in seller.findall("ram:SpecifiedTaxRegistration/ram:ID", NS):
            if registration.get("schemeID") in ("VA", "FC") and registration.text:
                tax_id = tax_id or registration.text.strip()
    lines = []
    for i, item in enumerate(trade.findall("ram:IncludedSupplyChainTradeLineItem", NS), start=1):
        where = f"ram:IncludedSupplyChainTradeLineItem[{i}]"
        price = item.find("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice", NS)
        if price is None:
            raise InvalidDocument(_("%s has no net price.") % where, where=where)
        base = _amount(price, "ram:BasisQuantity", Decimal("1"))
        unit = _amount(price, "ram:ChargeAmount")
        lines.append(
            ParsedLine(
                line_no=i,
                description=(
                    _text(item, "ram:SpecifiedTradeProduct/ram:Name") or _("(no description)")
                )[:300],
                quantity=_amount(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
                unit_price=unit / base if base else unit,
                net_amount=_amount(
                    item,
                    "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                ),
                tax_rate=_amount(
                    item,
                    "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent",
                    ZERO,
                ),
                tax_category=_text(
                    item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
                ),
                order_line_reference=_text(
                    item,
                    "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID",
                ),
            )
        )
    if not lines:
        raise InvalidDocument(
            _("The invoice has no lines."), where="ram:IncludedSupplyChainTradeLineItem"
        )
    breakdown = [
        {
            "category": _text(tax, "ram:CategoryCode"),
            "rate": str(_amount(tax, "ram:RateApplicablePercent", ZERO)),
            "taxable": str(_amount(tax, "ram:BasisAmount")),
            "tax": str(_amount(tax, "ram:CalculatedAmount")),
        }
        for tax in settlement.findall("ram:ApplicableTradeTax", NS)
    ]
    due = _text(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
    discount, until = discount_terms(
        _text(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description"), issued
    )
    return ParsedInvoice(
        channel="facturx",
        kind="credit_note" if _text(document, "ram:TypeCode") in CREDIT_NOTE_TYPES else "invoice",
        invoice_number=number,
        invoice_date=issued,
        due_date=date_of(due, "ram:DueDateDateTime") if due else None,
        currency=(_text(settlement, "ram:InvoiceCurrencyCode") or "").upper(),
        lines=lines,
        lines_total=_amount(summary, "ram:LineTotalAmount"),
        allowance_total=_amount(summary, "ram:AllowanceTotalAmount", ZERO),
        charge_total=_amount(summary, "ram:ChargeTotalAmount", ZERO),
        tax_total=_amount(summary, "ram:TaxTotalAmount", ZERO),
        total=_amount(summary, "ram:GrandTotalAmount"),
        prepaid=_amount(summary, "ram:TotalPrepaidAmount", ZERO),
        payable=_amount(summary, "ram:DuePayableAmount"),
        po_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        billing_reference=_text(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
        seller_tax_id=tax_id,
        seller_names=names,
        tax_breakdown=breakdown,
        discount_percent=discount,
        discount_until=until,
    )


def parse_facturx(data: bytes) -> ParsedInvoice:
    parsed = parse_cii(parse_xml(embedded_xml(data)))
    if not parsed.currency:
        raise InvalidDocument(
            _("The invoice currency is missing."), where="ram:InvoiceCurrencyCode"
        )
    return parsed
