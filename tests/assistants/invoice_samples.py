"""Invoices with known ground truth for the invoice-reading assistant's tests and bench: five
layouts, four languages (EN, DE, FR, ES), each language's number and date formats, rendered to
PDF by WeasyPrint from HTML and, for scans, to PNG with pypdfium2 (a 'photo' slightly rotated
and noised with Pillow). Deterministic: the same seed gives the same invoices.

    python -m tests.assistants.invoice_samples OUTDIR [COUNT]   # writes PDFs, PNGs, truth.json
    python -m tests.assistants.invoice_samples --demo            # data/ai/samples/
"""

from __future__ import annotations

import html
import io
import json
import random
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

CENT = Decimal("0.01")
LANGUAGES = ("en", "de", "fr", "es")
LAYOUTS = ("classic", "stacked", "colon", "sidebar", "compact")

SUPPLIERS = {
    "en": [("Northwind Traders Ltd", "IE6388047V"), ("Fabrikam Supplies Ltd", "NL004495445B01")],
    "de": [("Contoso GmbH", "DE136695976"), ("Rohstoff AG Salzgitter", "DE591400507")],
    "fr": [("Au bon moulin SARL", "FR35070950399"), ("Lumière Bureau SAS", "FR38836143339")],
    "es": [("Suministros Iberia S.L.", "ESB56453319"), ("Papelería Sol S.A.", "ESB34676593")],
}
ITEMS = {
    "en": [
        "Docking station",
        "Laptop stand",
        "USB-C cable 2 m",
        "Office chair",
        "Toner cartridge",
        "Consulting hours",
        "Monitor 27 inch",
        "Printer paper A4",
    ],
    "de": [
        "Dockingstation",
        "Laptopständer",
        "USB-C-Kabel 2 m",
        "Bürostuhl",
        "Tonerkartusche",
        "Beratungsstunden",
        "Monitor 27 Zoll",
        "Druckerpapier A4",
    ],
    "fr": [
        "Station d'accueil",
        "Support d'ordinateur",
        "Câble USB-C 2 m",
        "Chaise de bureau",
        "Cartouche de toner",
        "Heures de conseil",
        "Écran 27 pouces",
        "Papier A4",
    ],
    "es": [
        "Estación de acoplamiento",
        "Soporte para portátil",
        "Cable USB-C 2 m",
        "Silla de oficina",
        "Cartucho de tóner",
        "Horas de consultoría",
        "Monitor 27 pulgadas",
        "Papel A4",
    ],
}
MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}
LABELS = {
    "en": {
        "title": "Invoice",
        "number": "Invoice number",
        "date": "Invoice date",
        "due": "Due date",
        "po": "PO number",
        "currency": "Currency",
        "desc": "Description",
        "qty": "Qty",
        "price": "Unit price",
        "amount": "Amount",
        "net": "Subtotal",
        "tax": "VAT",
        "total": "Total due",
        "vat_id": "VAT No.",
        "bill_to": "Bill to",
    },
    "de": {
        "title": "Rechnung",
        "number": "Rechnungsnummer",
        "date": "Rechnungsdatum",
        "due": "Fälligkeitsdatum",
        "po": "Bestellnummer",
        "currency": "Währung",
        "desc": "Beschreibung",
        "qty": "Menge",
        "price": "Einzelpreis",
        "amount": "Betrag",
        "net": "Nettobetrag",
        "tax": "MwSt.",
        "total": "Gesamtbetrag",
        "vat_id": "USt-IdNr.",
        "bill_to": "Rechnungsempfänger",
    },
    "fr": {
        "title": "Facture",
        "number": "N° de facture",
        "date": "Date de facture",
        "due": "Échéance",
        "po": "Bon de commande",
        "currency": "Devise",
        "desc": "Désignation",
        "qty": "Quantité",
        "price": "Prix unitaire",
        "amount": "Montant HT",
        "net": "Total HT",
        "tax": "TVA",
        "total": "Montant TTC",
        "vat_id": "N° TVA",
        "bill_to": "Client",
    },
    "es": {
        "title": "Factura",
        "number": "Número de factura",
        "date": "Fecha de factura",
        "due": "Vencimiento",
        "po": "Pedido",
        "currency": "Moneda",
        "desc": "Descripción",
        "qty": "Cantidad",
        "price": "Precio unitario",
        "amount": "Importe",
        "net": "Base imponible",
        "tax": "IVA",
        "total": "Importe total",
        "vat_id": "NIF",
        "bill_to": "Cliente",
    },
}
TAX_RATES = {"en": ["20", "23", "21"], "de": ["19", "7"], "fr": ["20", "10"], "es": ["21", "10"]}
CURRENCIES = {"en": ["EUR", "GBP", "USD"], "de": ["EUR", "CHF"], "fr": ["EUR"], "es": ["EUR"]}
NUMBER_STYLES = {"en": "1,234.56", "de": "1.234,56", "fr": "1 234,56", "es": "1.234,56"}
BUYER = ("Tenant A Purchasing GmbH", "Hauptstraße 1", "10115 Berlin")


@dataclass
class Truth:
    """What the invoice says, as the reader should find it."""

    name: str
    language: str
    layout: str
    supplier_name: str
    supplier_tax_id: str
    invoice_number: str
    invoice_date: str
    due_date: str
    currency: str
    po_number: str
    net_total: str
    tax_total: str
    total: str
    tax_rate: str
    lines: list[dict[str, str]] = field(default_factory=list)


def money(value: Decimal, language: str) -> str:
    """An amount written as the language writes it (two decimals, thousands grouped)."""
    text = f"{value:,.2f}"  # 1,234.56
    if language == "en":
        return text
    whole, cents = text.split(".")
    if language == "fr":
        return whole.replace(",", "\u202f") + "," + cents
    return whole.replace(",", ".") + "," + cents


def quantity(value: Decimal, language: str) -> str:
    return str(int(value)) if value == value.to_integral() else money(value, language)


def when(day: date, language: str, style: int) -> str:
    """A date written in one of the language's usual ways."""
    month = MONTHS[language][day.month - 1]
    if style == 0:
        return day.isoformat()
    if language == "en":
        return f"{day.day} {month} {day.year}" if style == 1 else day.strftime("%d/%m/%Y")
    if language == "de":
        return f"{day.day}. {month} {day.year}" if style == 1 else day.strftime("%d.%m.%Y")
    if language == "fr":
        return f"{day.day} {month} {day.year}" if style == 1 else day.strftime("%d/%m/%Y")
    return f"{day.day} de {month} de {day.year}" if style == 1 else day.strftime("%d/%m/%Y")


def truth_of(seed: int, index: int) -> Truth:
    rnd = random.Random(seed * 100_003 + index)
    language = LANGUAGES[index % 4]
    layout = LAYOUTS[(index // 4) % 5]
    supplier_name, tax_id = rnd.choice(SUPPLIERS[language])
    issued = date(2026, 1, 1) + timedelta(days=rnd.randrange(360))
    due = issued + timedelta(days=rnd.choice([14, 30, 45, 60]))
    prefix = {"en": "INV", "de": "RE", "fr": "FA", "es": "F"}[language]
    number = rnd.choice(
        [
            f"{prefix}-{issued.year}-{rnd.randrange(1, 99999):05d}",
            f"{prefix}{rnd.randrange(10**5, 10**7)}",
            f"{issued.year}/{rnd.randrange(1, 9999):04d}",
        ]
    )
    rate = Decimal(rnd.choice(TAX_RATES[language]))
    lines = []
    for item in rnd.sample(ITEMS[language], rnd.randrange(1, 5)):
        qty = Decimal(rnd.choice([1, 2, 3, 5, 10, 12, 25, 100]))
        price = (Decimal(rnd.randrange(150, 250_000)) / 100).quantize(CENT)
        lines.append(
            {
                "description": item,
                "quantity": str(qty),
                "unit_price": str(price),
                "amount": str((qty * price).quantize(CENT, ROUND_HALF_UP)),
            }
        )
    net = sum((Decimal(line["amount"]) for line in lines), Decimal("0"))
    tax = (net * rate / 100).quantize(CENT, ROUND_HALF_UP)
    return Truth(
        name=f"{index:03d}-{language}-{layout}",
        language=language,
        layout=layout,
        supplier_name=supplier_name,
        supplier_tax_id=tax_id,
        invoice_number=number,
        invoice_date=issued.isoformat(),
        due_date=due.isoformat(),
        currency=rnd.choice(CURRENCIES[language]),
        po_number=rnd.choice(
            [f"PO-{rnd.randrange(10000, 99999)}", f"4500{rnd.randrange(100000, 999999)}"]
        ),
        net_total=str(net),
        tax_total=str(tax),
        total=str(net + tax),
        tax_rate=str(rate),
        lines=lines,
    )


STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 20pt; margin: 0 0 6mm 0; }
table { border-collapse: collapse; }
.lines { width: 100%; margin-top: 8mm; }
.lines th { text-align: left; border-bottom: 1px solid #333; padding: 2mm; }
.lines td { padding: 2mm; border-bottom: 1px solid #ccc; }
.num { text-align: right; }
.meta td { padding: 1mm 3mm 1mm 0; }
.totals { margin-left: auto; margin-top: 6mm; }
.totals td { padding: 1mm 0 1mm 8mm; }
.box { display: inline-block; width: 38mm; margin: 0 3mm 3mm 0; padding: 2mm;
       border: 1px solid #999; vertical-align: top; }
.box small { display: block; color: #444; }
.side { float: left; width: 55mm; }
.main { margin-left: 62mm; }
.party { margin-bottom: 6mm; }
"""


def _e(text: str) -> str:
    return html.escape(text)


def render_html(t: Truth, seed: int = 0) -> str:
    lang, lab = t.language, LABELS[t.language]
    rnd = random.Random(hash_of(t.name) + seed)
    date_style = rnd.randrange(3)
    issued, due = date.fromisoformat(t.invoice_date), date.fromisoformat(t.due_date)
    d_issue, d_due = when(issued, lang, date_style), when(due, lang, date_style)
    cur = t.currency
    m = lambda v: money(Decimal(v), lang)  # noqa: E731
    seller = (
        f'<div class="party"><b>{_e(t.supplier_name)}</b><br>{_e(lab["vat_id"])}: '
        f"{t.supplier_tax_id}</div>"
    )
    buyer = (
        f'<div class="party">{_e(lab["bill_to"])}:<br>{_e(BUYER[0])}<br>{_e(BUYER[1])}<br>'
        f"{_e(BUYER[2])}</div>"
    )
    rows = "".join(
        f"<tr><td>{_e(line['description'])}</td><td class=num>{quantity(Decimal(line['quantity']), lang)}</td>"  # noqa: E501
        f"<td class=num>{m(line['unit_price'])}</td><td class=num>{m(line['amount'])}</td></tr>"
        for line in t.lines
    )
    table = (
        f'<table class="lines"><tr><th>{_e(lab["desc"])}</th><th class=num>{_e(lab["qty"])}</th>'
        f"<th class=num>{_e(lab['price'])}</th><th class=num>{_e(lab['amount'])}</th></tr>"
        f"{rows}</table>"
    )
    totals = (
        f'<table class="totals"><tr><td>{_e(lab["net"])}</td><td class=num>{m(t.net_total)} {cur}</td></tr>'  # noqa: E501
        f"<tr><td>{_e(lab['tax'])} {m(t.tax_rate)[:-3]} %</td><td class=num>{m(t.tax_total)} {cur}</td></tr>"  # noqa: E501
        f"<tr><td><b>{_e(lab['total'])}</b></td><td class=num><b>{m(t.total)} {cur}</b></td></tr></table>"  # noqa: E501
    )
    meta = [
        (lab["number"], t.invoice_number),
        (lab["date"], d_issue),
        (lab["due"], d_due),
        (lab["po"], t.po_number),
        (lab["currency"], cur),
    ]
    if t.layout == "classic":
        body = (
            seller
            + f"<h1>{_e(lab['title'])}</h1>"
            + buyer
            + '<table class="meta">'
            + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta)
            + "</table>"
            + table
            + totals
        )
    elif t.layout == "stacked":
        body = (
            f"<h1>{_e(lab['title'])}</h1>"
            + seller
            + buyer
            + "".join(f'<div class="box"><small>{_e(k)}</small>{_e(v)}</div>' for k, v in meta)
            + table
            + totals
        )
    elif t.layout == "colon":
        body = (
            seller
            + buyer
            + f"<h1>{_e(lab['title'])}</h1>"
            + "".join(f"<p>{_e(k)}: {_e(v)}</p>" for k, v in meta)
            + table
            + f"<p>{_e(lab['net'])}: {cur} {m(t.net_total)}</p>"
            + f"<p>{_e(lab['tax'])} ({m(t.tax_rate)[:-3]}%): {cur} {m(t.tax_total)}</p>"
            + f"<p><b>{_e(lab['total'])}: {cur} {m(t.total)}</b></p>"
        )
    elif t.layout == "sidebar":
        side = "".join(f"<p><small>{_e(k)}</small><br>{_e(v)}</p>" for k, v in meta)
        body = (
            f'<div class="side">{seller}{side}</div><div class="main"><h1>{_e(lab["title"])}</h1>'
            f"{buyer}{table}{totals}</div>"
        )
    else:  # compact: the number beside the title, the dates in one sentence
        on = {"en": "dated", "de": "vom", "fr": "du", "es": "de fecha"}[lang]
        body = (
            seller
            + f"<h1>{_e(lab['title'])} {_e(t.invoice_number)}</h1>"
            + f"<p>{_e(lab['date'])}: {d_issue} &nbsp; {_e(lab['due'])}: {d_due}</p>"
            + f"<p>{_e(lab['po'])}: {_e(t.po_number)} &nbsp; ({on} {d_issue})</p>"
            + buyer
            + table
            + totals
        )
    return f"<html lang={lang}><head><meta charset=utf-8><style>{STYLE}</style></head><body>{body}</body></html>"  # noqa: E501


def hash_of(text: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(text))


def render_pdf(t: Truth) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(t)).write_pdf()


def render_png(pdf: bytes, *, photo: bool = False, scale: float = 2.0, seed: int = 0) -> bytes:
    """The PDF's first page as a PNG, as a scanner would give it; `photo`: slightly rotated,
    greyer and noised, as a phone would."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    if photo:
        rnd = random.Random(seed)
        image = image.rotate(
            rnd.uniform(-1.5, 1.5), resample=Image.BICUBIC, expand=True, fillcolor=235
        )
        noise = Image.effect_noise(image.size, 18).convert("L")
        image = Image.blend(image, noise, 0.12).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def samples(count: int = 100, seed: int = 33) -> list[Truth]:
    return [truth_of(seed, i) for i in range(count)]


def write(
    outdir: Path, count: int = 100, seed: int = 33, images: bool = True
) -> list[dict[str, Any]]:
    outdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for t in samples(count, seed):
        pdf = render_pdf(t)
        (outdir / f"{t.name}.pdf").write_bytes(pdf)
        if images:
            (outdir / f"{t.name}.png").write_bytes(
                render_png(pdf, photo=True, seed=hash_of(t.name))
            )
        rows.append(asdict(t))
    (outdir / "truth.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    return rows


def demo_samples(outdir: Path) -> None:
    """The demo's samples (data/ai/samples/): a plain PDF invoice of the demo's portal
    supplier, Contoso Office Supply, and a photo of it, for a person trying `make demo`."""
    truth = truth_of(33, 0)
    truth.name, truth.supplier_name, truth.supplier_tax_id = (
        "contoso-invoice",
        "Contoso Office Supply",
        "04-2103594",  # its EIN in the demo (apps/demo/suppliers.py)
    )
    # the toner the demo's buyer ordered from Contoso (PO-US01-000027: 24 at 62.00), with
    # sales tax, so that the reading finds the demo's own order
    net, tax = Decimal("1488.00"), Decimal("104.16")
    truth.invoice_number, truth.po_number, truth.currency = "CS-2026-0417", "PO-US01-000027", "USD"
    truth.invoice_date, truth.due_date = "2026-11-30", "2026-12-30"
    truth.lines = [
        {
            "description": "Toner cartridge",
            "quantity": "24",
            "unit_price": "62.00",
            "amount": str(net),
        }
    ]
    truth.net_total, truth.tax_total, truth.total, truth.tax_rate = (
        str(net),
        str(tax),
        str(net + tax),
        "7",
    )
    outdir.mkdir(parents=True, exist_ok=True)
    pdf = render_pdf(truth)
    (outdir / "contoso-invoice.pdf").write_bytes(pdf)
    (outdir / "contoso-invoice-photo.png").write_bytes(
        render_png(pdf, photo=True, scale=1.6, seed=7)
    )
    (outdir / "contoso-invoice.json").write_text(json.dumps(asdict(truth), indent=1))


if __name__ == "__main__":
    if sys.argv[1:] == ["--demo"]:
        demo_samples(Path(__file__).resolve().parents[2] / "data" / "ai" / "samples")
    else:
        write(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100)
