"""UN/CEFACT Cross Industry Invoice (CII, D16B) as EN 16931 binds it: raw XML as XRechnung and
the EN 16931 examples send it, and the XML inside a Factur-X / ZUGFeRD 2.x PDF (facturx.py).
One reader for both, into the shared model; the header-only profiles MINIMUM and BASIC WL
come without lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from . import (
    ZERO,
    InvalidDocument,
    ParsedInvoice,
    ParsedLine,
    UnsupportedProfile,
    date_of,
    decimal_of,
    discount_terms,
)

CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
# ZUGFeRD 1.0 used another root; it predates EN 16931
ZUGFERD1_NS = "urn:ferd:CrossIndustryDocument:invoice:1p0"
NS = {
    "rsm": CII_NS,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
CREDIT_NOTE_TYPES = {"381", "261", "396"}
_LINE_SUM = "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"


def is_cii(root: Any) -> bool:
    return etree.QName(root).namespace in (CII_NS, ZUGFERD1_NS)


# Guideline labels of the ZUGFeRD / Factur-X family that predate (or stand beside) the EN 16931
# URN, such as ZUGFeRD 1.0's "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort". Writers
# still put them on CII D16B files; it is the syntax that decides (parse_cii refuses the
# ZUGFeRD 1.0 CrossIndustryDocument itself), and such a file is read as EN 16931.
FAMILY_LABELS = ("urn:ferd:", "urn:zugferd.de:", "urn:factur-x.eu:")


def profile_of(guideline: str) -> tuple[str, bool]:
    """(the profile's name, whether it is header-only) from the guideline id (BT-24) of a CII
    D16B file. A guideline outside EN 16931 and the ZUGFeRD / Factur-X family is refused."""
    text = guideline.strip()
    lower = text.lower()
    if lower.endswith(":minimum"):
        return "Factur-X MINIMUM", True
    if lower.endswith(":basicwl"):
        return "Factur-X BASIC WL", True
    if not lower.startswith(("urn:cen.eu:en16931:2017", *FAMILY_LABELS)):
        raise UnsupportedProfile(text)
    for marker, name in (
        ("extended", "Factur-X / ZUGFeRD EXTENDED"),
        ("xrechnung", "XRechnung"),
        (":basic", "Factur-X BASIC"),
        ("peppol", "Peppol BIS Billing 3.0"),
    ):
        if marker in lower:
            return name, False
    return "EN 16931", False


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


def _in_currency(summary: Any, path: str, currency: str) -> Decimal | None:
    """An amount stated once per currency (BT-110 and BT-111): the one in the invoice's."""
    nodes = summary.findall(path, NS)
    for node in nodes:
        if node.get("currencyID", currency).upper() == currency and (node.text or "").strip():
            return decimal_of(node.text, path)
    return None


def _allowances_and_charges(node: Any) -> tuple[list[Decimal], list[Decimal]]:
    allowances: list[Decimal] = []
    charges: list[Decimal] = []
    for item in node.findall("ram:SpecifiedTradeAllowanceCharge", NS):
        amount = _amount(item, "ram:ActualAmount")
        is_charge = _text(item, "ram:ChargeIndicator/udt:Indicator").lower() == "true"
        (charges if is_charge else allowances).append(amount)
    return allowances, charges


def _line(item: Any, i: int) -> ParsedLine:
    where = f"ram:IncludedSupplyChainTradeLineItem[{i}]"
    price = item.find("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice", NS)
    if price is None:
        raise InvalidDocument(_("%s has no net price.") % where, where=where)
    base = _amount(price, "ram:BasisQuantity", Decimal("1"))
    unit = _amount(price, "ram:ChargeAmount")
    settlement = item.find("ram:SpecifiedLineTradeSettlement", NS)
    allowances, charges = (
        _allowances_and_charges(settlement) if settlement is not None else ([], [])
    )
    tax = "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
    return ParsedLine(
        line_no=i,
        description=(_text(item, "ram:SpecifiedTradeProduct/ram:Name") or _("(no description)"))[
            :300
        ],
        quantity=_amount(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
        unit_price=unit / base if base else unit,
        net_amount=_amount(item, f"{_LINE_SUM}/ram:LineTotalAmount"),
        tax_rate=_amount(item, f"{tax}/ram:RateApplicablePercent", ZERO),
        tax_category=_text(item, f"{tax}/ram:CategoryCode"),
        order_line_reference=_text(
            item, "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID"
        ),
        adjustments=sum(charges, ZERO) - sum(allowances, ZERO),
    )


def parse_cii(root: Any, *, channel: str = "cii") -> ParsedInvoice:
    qname = etree.QName(root)
    if qname.namespace == ZUGFERD1_NS:
        raise UnsupportedProfile("ZUGFeRD 1.0")
    if (qname.namespace, qname.localname) != (CII_NS, "CrossIndustryInvoice"):
        raise InvalidDocument(
            _("The XML must be a CII CrossIndustryInvoice; it is {%(ns)s}%(el)s.")
            % {"ns": qname.namespace, "el": qname.localname},
            where="root",
        )
    guidelines = [
        (node.text or "").strip()
        for node in root.findall(
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
            NS,
        )
    ]
    # a file may state the standard and its extension: the most specific one names it
    profile, header_only = profile_of(max(guidelines, key=len, default=""))
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
    currency = _text(settlement, "ram:InvoiceCurrencyCode")
    if not currency:
        raise InvalidDocument(
            _("The invoice currency is missing."), where="ram:InvoiceCurrencyCode"
        )
    issued = date_of(_text(document, "ram:IssueDateTime/udt:DateTimeString"), "ram:IssueDateTime")
    seller = agreement.find("ram:SellerTradeParty", NS)
    tax_id = endpoint = ""
    names: list[str] = []
    if seller is not None:
        names = [n for n in [_text(seller, "ram:Name")] if n]
        for registration in seller.findall("ram:SpecifiedTaxRegistration/ram:ID", NS):
            if registration.get("schemeID") in ("VA", "FC") and registration.text:
                tax_id = tax_id or registration.text.strip()
        endpoint = _text(seller, "ram:URIUniversalCommunication/ram:URIID")
    lines = [
        _line(item, i)
        for i, item in enumerate(trade.findall("ram:IncludedSupplyChainTradeLineItem", NS), 1)
    ]
    if header_only:
        lines = []  # by design; lines a file of these profiles might carry are not its content
    elif not lines:
        raise InvalidDocument(
            _("The %s invoice has no lines.") % profile,
            where="ram:IncludedSupplyChainTradeLineItem",
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
    allowances, charges = _allowances_and_charges(settlement)
    basis = _in_currency(summary, "ram:TaxBasisTotalAmount", currency)
    lines_total = _in_currency(summary, "ram:LineTotalAmount", currency)
    if lines_total is None:
        if not header_only or basis is None:
            raise InvalidDocument(
                _("The element %s is missing or empty.") % "ram:LineTotalAmount",
                where="ram:LineTotalAmount",
            )
        lines_total = basis  # MINIMUM states only the taxable total
    total = _in_currency(summary, "ram:GrandTotalAmount", currency)
    payable = _in_currency(summary, "ram:DuePayableAmount", currency)
    if total is None or payable is None:
        where = "ram:GrandTotalAmount" if total is None else "ram:DuePayableAmount"
        raise InvalidDocument(_("The element %s is missing or empty.") % where, where=where)
    due = _text(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
    discount, until = discount_terms(
        _text(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description"), issued
    )
    prepaid = _in_currency(summary, "ram:TotalPrepaidAmount", currency)
    return ParsedInvoice(
        channel=channel,
        kind="credit_note" if _text(document, "ram:TypeCode") in CREDIT_NOTE_TYPES else "invoice",
        invoice_number=number,
        invoice_date=issued,
        due_date=date_of(due, "ram:DueDateDateTime") if due else None,
        currency=currency,
        lines=lines,
        lines_total=lines_total,
        allowance_total=_in_currency(summary, "ram:AllowanceTotalAmount", currency) or ZERO,
        charge_total=_in_currency(summary, "ram:ChargeTotalAmount", currency) or ZERO,
        tax_total=_in_currency(summary, "ram:TaxTotalAmount", currency) or ZERO,
        total=total,
        prepaid=prepaid or ZERO,
        prepaid_stated=prepaid is not None or profile != "Factur-X MINIMUM",
        rounding=_in_currency(summary, "ram:RoundingAmount", currency) or ZERO,
        payable=payable,
        tax_basis_total=basis,
        document_allowances=allowances,
        document_charges=charges,
        po_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        billing_reference=_text(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
        seller_tax_id=tax_id,
        seller_names=names,
        seller_endpoint=endpoint,
        seller_ibans=[
            n.text.strip()
            for n in settlement.findall(
                "ram:SpecifiedTradeSettlementPaymentMeans/"
                "ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
                NS,
            )
            if n.text and n.text.strip()
        ],
        tax_breakdown=breakdown,
        discount_percent=discount,
        discount_until=until,
        profile=profile,
        header_only=header_only,
    )
