"""Reading a supplier's question: its language (English, German, French or Spanish), what it
asks (when an invoice is paid, where it stands, what is missing) and the invoice or purchase
order numbers it names. Keyword rules, no model: every answer can be traced to the words that
chose it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apps.controls.values import folded

LANGUAGES = ("en", "de", "fr", "es")

# words that tell the languages apart (accents removed, lower case)
STOPWORDS = {
    "en": {"the", "is", "my", "where", "when", "for", "what", "of", "invoice", "payment", "will"},
    "de": {
        "der",
        "die",
        "das",
        "ist",
        "wann",
        "wird",
        "rechnung",
        "zahlung",
        "meine",
        "mein",
        "wo",
        "fur",
        "was",
        "bei",
        "noch",
        "fehlt",
        "bestellung",
        "unsere",
        "unserer",
        "bezahlt",
    },
    "fr": {
        "le",
        "la",
        "les",
        "du",
        "est",
        "ma",
        "facture",
        "quand",
        "ou",
        "statut",
        "pour",
        "notre",
        "qu",
        "il",
        "manque",
        "commande",
        "sera",
        "payee",
        "paiement",
    },
    "es": {
        "el",
        "los",
        "es",
        "mi",
        "factura",
        "cuando",
        "donde",
        "pagan",
        "estado",
        "nuestra",
        "que",
        "falta",
        "pedido",
        "pago",
        "esta",
    },
}

# intent → word stems in any of the four languages (accents removed)
INTENTS: dict[str, tuple[str, ...]] = {
    "payment_date": (
        "pay",
        "paid",
        "payment",
        "remittance",
        "zahl",
        "bezahl",
        "uberweis",
        "paiement",
        "paye",
        "payer",
        "regle",
        "reglement",
        "virement",
        "versement",
        "pago",
        "pagan",
        "pagar",
        "pagad",
        "pagara",
        "transferencia",
        "cobr",
    ),
    "missing": (
        "missing",
        "need",
        "required",
        "why",
        "hold",
        "blocked",
        "fehlt",
        "fehlen",
        "benotig",
        "brauch",
        "warum",
        "gesperrt",
        "manque",
        "manquant",
        "besoin",
        "pourquoi",
        "bloque",
        "falta",
        "necesit",
        "por que",
        "porque",
        "bloquead",
    ),
    "status": (
        "status",
        "where",
        "state",
        "received",
        "happening",
        "stand",
        "wo ist",
        "erhalten",
        "bearbeit",
        "statut",
        "etat",
        "ou en est",
        "recu",
        "suivi",
        "estado",
        "donde",
        "recibid",
        "situacion",
    ),
}
# the order asked about, as each language names it
ORDER_WORDS = ("po", "order", "bestellung", "auftrag", "commande", "pedido", "orden")
INVOICE_WORDS = ("invoice", "rechnung", "facture", "factura", "nr", "no", "num", "numero")

NUMBER = re.compile(r"[\w/#-]*\d[\w/#-]*")


@dataclass
class Reading:
    language: str
    intent: str | None
    invoice_numbers: list[str] = field(default_factory=list)
    order_numbers: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)  # the words that chose the intent

    @property
    def confidence(self) -> float:
        """0.9 with a number and a recognised question, 0.55 with a number alone (read as
        "where does it stand"), 0.2 without a number."""
        if not (self.invoice_numbers or self.order_numbers):
            return 0.2
        return 0.9 if self.matched else 0.55


def plain(text: str) -> str:
    return folded(text)


def language_of(text: str) -> str:
    words = re.findall(r"[a-z]+", plain(text))
    counts = {lang: sum(w in STOPWORDS[lang] for w in words) for lang in LANGUAGES}
    best = max(LANGUAGES, key=lambda lang: (counts[lang], -LANGUAGES.index(lang)))
    return best if counts[best] else "en"


def intent_of(text: str) -> tuple[str | None, list[str]]:
    flat = plain(text)
    for intent in ("missing", "payment_date", "status"):
        hits = [stem for stem in INTENTS[intent] if re.search(rf"\b{re.escape(stem)}", flat)]
        if hits:
            return intent, hits
    return None, []


def numbers_of(text: str) -> tuple[list[str], list[str]]:
    """(invoice numbers, order numbers): a number after an order word, or one that starts
    with PO, is an order's; any other is an invoice's."""
    invoices: list[str] = []
    orders: list[str] = []
    for match in NUMBER.finditer(text):
        token = match.group(0).strip("-/#")
        if not any(c.isdigit() for c in token):
            continue
        before = plain(text[: match.start()]).split()
        previous = {word.strip(":#.,") for word in before[-2:]}
        is_order = plain(token).startswith("po") or bool(previous & set(ORDER_WORDS))
        (orders if is_order else invoices).append(token)
    return invoices, orders


def read_question(text: str) -> Reading:
    intent, matched = intent_of(text)
    invoices, orders = numbers_of(text)
    return Reading(language_of(text), intent, invoices, orders, matched)
