"""UBL 2.1 invoices and credit notes, as Peppol BIS Billing 3.0 sends them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from . import ZERO, InvalidDocument, ParsedInvoice, ParsedLine, date_of, decimal_of, discount_terms

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
# no entities, no network, no DTD: an invoice file is data, never instructions
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes) -> Any:
    try:
        return etree.fromstring(data, parser=PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        raise InvalidDocument(
            _("The XML is not well-formed at line %(line)s, column %(column)s: %(msg)s")
            % {"line": line, "column": column, "msg": exc.msg},
            where=f"line {line}",
        ) from None


def is_ubl(root: Any) -> bool:
    return etree.QName(root).namespace in (INVOICE_NS, CREDIT_NOTE_NS)


def _text(node: Any, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _required(node: Any, path: str, where: str) -> str:
    value = _text(node, path)
    if not value:
        raise InvalidDocument(_("The element %s is missing or empty.") % where, where=where)
    return value


def _amount(node: Any, path: str, where: str, default: Decimal | None = None) -> Decimal:
    value = _text(node, path)
    if not value:
        if default is not None:
            return default
        raise InvalidDocument(_("The element %s is missing or empty.") % where, where=where)
    return decimal_of(value, where)


def _allowances_and_charges(node: Any, where: str) -> tuple[list[Decimal], list[Decimal]]:
    """The amounts of a line's (BG-27/BG-28) or the document's (BG-20/BG-21) allowances and
    charges; `where` prefixes the element named in a refusal."""
    allowances: list[Decimal] = []
    charges: list[Decimal] = []
    for i, item in enumerate(node.findall("cac:AllowanceCharge", NS), start=1):
        amount = _amount(item, "cbc:Amount", f"{where}cac:AllowanceCharge[{i}]/cbc:Amount")
        is_charge = _text(item, "cbc:ChargeIndicator").lower() == "true"
        (charges if is_charge else allowances).append(amount)
    return allowances, charges


def parse_ubl(root: Any) -> ParsedInvoice:
    namespace, local = etree.QName(root).namespace, etree.QName(root).localname
    if (namespace, local) not in ((INVOICE_NS, "Invoice"), (CREDIT_NOTE_NS, "CreditNote")):
        raise InvalidDocument(
            _(
                "The root element must be a UBL 2.1 Invoice or CreditNote; "
                "this file has {%(ns)s}%(el)s."
            )
            % {"ns": namespace, "el": local},
            where="root",
        )
    credit = local == "CreditNote"
    line_tag, qty_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if credit
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    issued = date_of(_required(root, "cbc:IssueDate", "cbc:IssueDate"), "cbc:IssueDate")
    due_text = _text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    totals = root.find("cac:LegalMonetaryTotal", NS)
    if totals is None:
        raise InvalidDocument(
            _("The element cac:LegalMonetaryTotal is missing."), where="cac:LegalMonetaryTotal"
        )
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    if seller is None:
        raise InvalidDocument(
            _("The element cac:AccountingSupplierParty is missing."),
            where="cac:AccountingSupplierParty",
        )
    names = [
        n
        for n in (
            _text(seller, "cac:PartyName/cbc:Name"),
            _text(seller, "cac:PartyLegalEntity/cbc:RegistrationName"),
        )
        if n
    ]
    tax_id = ""
    for scheme in seller.findall("cac:PartyTaxScheme", NS):
        tax_id = tax_id or _text(scheme, "cbc:CompanyID")
    lines = []
    for i, node in enumerate(root.findall(line_tag, NS), start=1):
        where = f"{line_tag}[{i}]"
        quantity = _amount(node, qty_tag, f"{where}/{qty_tag}")
        base = _amount(
            node, "cac:Price/cbc:BaseQuantity", f"{where}/cac:Price/cbc:BaseQuantity", Decimal("1")
        )
        price = _amount(node, "cac:Price/cbc:PriceAmount", f"{where}/cac:Price/cbc:PriceAmount")
        line_allowances, line_charges = _allowances_and_charges(node, f"{where}/")
        lines.append(
            ParsedLine(
                line_no=i,
                description=(
                    _text(node, "cac:Item/cbc:Name")
                    or _text(node, "cac:Item/cbc:Description")
                    or _("(no description)")
                )[:300],
                quantity=quantity,
                unit_price=price / base if base else price,
                net_amount=_amount(
                    node, "cbc:LineExtensionAmount", f"{where}/cbc:LineExtensionAmount"
                ),
                tax_rate=_amount(
                    node, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", where, ZERO
                ),
                tax_category=_text(node, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
                order_line_reference=_text(node, "cac:OrderLineReference/cbc:LineID"),
                adjustments=sum(line_charges, ZERO) - sum(line_allowances, ZERO),
            )
        )
    if not lines:
        raise InvalidDocument(_("The document has no %s.") % line_tag, where=line_tag)
    allowances, charges = _allowances_and_charges(root, "")
    breakdown = []
    tax_total = ZERO
    for total_node in root.findall("cac:TaxTotal", NS):
        if total_node.find("cac:TaxSubtotal", NS) is None:
            continue  # a TaxTotal in the tax currency only, without subtotals
        tax_total += _amount(total_node, "cbc:TaxAmount", "cac:TaxTotal/cbc:TaxAmount")
        for sub in total_node.findall("cac:TaxSubtotal", NS):
            breakdown.append(
                {
                    "category": _text(sub, "cac:TaxCategory/cbc:ID"),
                    "rate": str(
                        _amount(
                            sub, "cac:TaxCategory/cbc:Percent", "cac:TaxSubtotal/cbc:Percent", ZERO
                        )
                    ),
                    "taxable": str(
                        _amount(sub, "cbc:TaxableAmount", "cac:TaxSubtotal/cbc:TaxableAmount")
                    ),
                    "tax": str(_amount(sub, "cbc:TaxAmount", "cac:TaxSubtotal/cbc:TaxAmount")),
                }
            )
    discount, until = discount_terms(_text(root, "cac:PaymentTerms/cbc:Note"), issued)
    order_ref = _text(root, "cac:OrderReference/cbc:ID")
    customization = _text(root, "cbc:CustomizationID")
    basis = _text(totals, "cbc:TaxExclusiveAmount")
    return ParsedInvoice(
        channel="ubl",
        kind="credit_note" if credit else "invoice",
        invoice_number=_required(root, "cbc:ID", "cbc:ID"),
        invoice_date=issued,
        due_date=date_of(due_text, "cbc:DueDate") if due_text else None,
        currency=_required(root, "cbc:DocumentCurrencyCode", "cbc:DocumentCurrencyCode"),
        lines=lines,
        lines_total=_amount(totals, "cbc:LineExtensionAmount", "cbc:LineExtensionAmount"),
        allowance_total=_amount(
            totals, "cbc:AllowanceTotalAmount", "cbc:AllowanceTotalAmount", ZERO
        ),
        charge_total=_amount(totals, "cbc:ChargeTotalAmount", "cbc:ChargeTotalAmount", ZERO),
        tax_total=tax_total,
        total=_amount(totals, "cbc:TaxInclusiveAmount", "cbc:TaxInclusiveAmount"),
        prepaid=_amount(totals, "cbc:PrepaidAmount", "cbc:PrepaidAmount", ZERO),
        payable=_amount(totals, "cbc:PayableAmount", "cbc:PayableAmount"),
        po_reference="" if order_ref.upper() == "NA" else order_ref,
        billing_reference=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        seller_tax_id=tax_id,
        seller_names=names,
        tax_breakdown=breakdown,
        discount_percent=discount,
        discount_until=until,
        profile=(
            "Peppol BIS Billing 3.0"
            if "peppol" in customization.lower()
            else ("EN 16931 UBL" if customization.startswith("urn:cen.eu:en16931") else "UBL 2.1")
        ),
        tax_basis_total=decimal_of(basis, "cbc:TaxExclusiveAmount") if basis else None,
        document_allowances=allowances,
        document_charges=charges,
        rounding=_amount(totals, "cbc:PayableRoundingAmount", "cbc:PayableRoundingAmount", ZERO),
        seller_endpoint=_text(seller, "cbc:EndpointID"),
        seller_ibans=[
            n.text.strip()
            for n in root.findall("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", NS)
            if n.text and n.text.strip()
        ],
    )
