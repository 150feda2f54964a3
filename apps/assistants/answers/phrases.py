"""The assistant's sentences in the language the supplier asked in. They are written here, one
table per language, rather than through gettext: the answer follows the question's language,
not the page's, and every sentence carries only the facts facts.py lets through."""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "received": "Invoice {number}: we have received it and are checking it against the order.",
        "exception": "Invoice {number}: we are reviewing it before it can be approved.",
        "pending_approval": "Invoice {number}: it is waiting for approval.",
        "approved": "Invoice {number}: it is approved.",
        "paid": "Invoice {number}: it was paid on {date}.",
        "rejected": (
            "Invoice {number}: it was not accepted; our accounts payable team will tell you why."
        ),
        "expected": "We expect to pay it on {date}.",
        "after_approval": "It is due on {due}; it is paid once it is approved.",
        "no_date": "There is no payment date yet: it is paid once it is approved.",
        "missing_credit_note": "We asked you for a credit note of {amount}.",
        "missing_goods_receipt": "We are waiting for the goods to be received on our side.",
        "missing_variance_review": "It differs from the order; we are reviewing the difference.",
        "missing_order_reference": "We need the number of our purchase order on the invoice.",
        "nothing_missing": "Nothing is missing from you.",
        "handed": (
            "We could not answer this automatically. Our accounts payable team has your "
            "question and will reply here."
        ),
    },
    "de": {
        "received": (
            "Rechnung {number}: Wir haben sie erhalten und prüfen sie gegen die Bestellung."
        ),
        "exception": "Rechnung {number}: Wir prüfen sie, bevor sie freigegeben werden kann.",
        "pending_approval": "Rechnung {number}: Sie wartet auf Freigabe.",
        "approved": "Rechnung {number}: Sie ist freigegeben.",
        "paid": "Rechnung {number}: Sie wurde am {date} bezahlt.",
        "rejected": (
            "Rechnung {number}: Sie wurde nicht angenommen; unsere Kreditorenbuchhaltung "
            "teilt Ihnen den Grund mit."
        ),
        "expected": "Wir erwarten die Zahlung am {date}.",
        "after_approval": "Sie ist am {due} fällig und wird nach der Freigabe bezahlt.",
        "no_date": "Es gibt noch kein Zahlungsdatum: Sie wird nach der Freigabe bezahlt.",
        "missing_credit_note": "Wir haben Sie um eine Gutschrift über {amount} gebeten.",
        "missing_goods_receipt": "Wir warten noch auf den Wareneingang bei uns.",
        "missing_variance_review": "Sie weicht von der Bestellung ab; wir prüfen die Abweichung.",
        "missing_order_reference": "Wir benötigen unsere Bestellnummer auf der Rechnung.",
        "nothing_missing": "Von Ihnen fehlt nichts.",
        "handed": (
            "Das konnten wir nicht automatisch beantworten. Unsere Kreditorenbuchhaltung hat "
            "Ihre Frage und antwortet hier."
        ),
    },
    "fr": {
        "received": (
            "Facture {number} : nous l'avons reçue et la vérifions par rapport à la commande."
        ),
        "exception": "Facture {number} : nous l'examinons avant de pouvoir l'approuver.",
        "pending_approval": "Facture {number} : elle attend son approbation.",
        "approved": "Facture {number} : elle est approuvée.",
        "paid": "Facture {number} : elle a été payée le {date}.",
        "rejected": (
            "Facture {number} : elle n'a pas été acceptée ; notre comptabilité fournisseurs "
            "vous en dira la raison."
        ),
        "expected": "Nous prévoyons de la payer le {date}.",
        "after_approval": "Elle est échue le {due} ; elle sera payée une fois approuvée.",
        "no_date": "Il n'y a pas encore de date de paiement : elle sera payée une fois approuvée.",
        "missing_credit_note": "Nous vous avons demandé un avoir de {amount}.",
        "missing_goods_receipt": "Nous attendons la réception des marchandises de notre côté.",
        "missing_variance_review": "Elle diffère de la commande ; nous examinons l'écart.",
        "missing_order_reference": "Il nous faut le numéro de notre commande sur la facture.",
        "nothing_missing": "Rien ne manque de votre part.",
        "handed": (
            "Nous n'avons pas pu répondre automatiquement. Notre comptabilité fournisseurs a "
            "votre question et répondra ici."
        ),
    },
    "es": {
        "received": "Factura {number}: la hemos recibido y la estamos comprobando con el pedido.",
        "exception": "Factura {number}: la estamos revisando antes de poder aprobarla.",
        "pending_approval": "Factura {number}: está pendiente de aprobación.",
        "approved": "Factura {number}: está aprobada.",
        "paid": "Factura {number}: se pagó el {date}.",
        "rejected": (
            "Factura {number}: no fue aceptada; nuestro equipo de cuentas por pagar le dirá "
            "el motivo."
        ),
        "expected": "Prevemos pagarla el {date}.",
        "after_approval": "Vence el {due}; se paga una vez aprobada.",
        "no_date": "Aún no hay fecha de pago: se paga una vez aprobada.",
        "missing_credit_note": "Le pedimos una nota de crédito de {amount}.",
        "missing_goods_receipt": (
            "Estamos esperando la recepción de la mercancía por nuestra parte."
        ),
        "missing_variance_review": "Difiere del pedido; estamos revisando la diferencia.",
        "missing_order_reference": "Necesitamos el número de nuestro pedido en la factura.",
        "nothing_missing": "No falta nada por su parte.",
        "handed": (
            "No hemos podido responder automáticamente. Nuestro equipo de cuentas por pagar "
            "tiene su pregunta y responderá aquí."
        ),
    },
}


def phrase(language: str, key: str, **values: Any) -> str:
    table = PHRASES.get(language, PHRASES["en"])
    return table[key].format(**values)
