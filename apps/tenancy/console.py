"""What the partner console says about a client: its standing in words and figures, where its
portal opens, its language by name and how its brand colours read. Presentation only: the
figures come from `ClientStanding`, kept by insights' rollup."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language_info, gettext, ngettext
from django.utils.translation import gettext as _

from .branding import ContrastCheck
from .models import Client, ClientStanding


def portal_url(request: HttpRequest, domain: str) -> str:
    """The client's portal as the partner reaches it: the console's own scheme and port on
    the client's domain (http://acme.localhost:8000/ in `make demo`)."""
    if not domain:
        return ""
    port = request.get_port()
    shown = "" if port in ("80", "443") else f":{port}"
    return f"{request.scheme}://{domain}{shown}/"


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def connectors_words(standing: ClientStanding) -> str:
    parts = []
    if standing.webhooks_failing:
        parts.append(
            ngettext("%(n)d webhook endpoint", "%(n)d webhook endpoints", standing.webhooks_failing)
            % {"n": standing.webhooks_failing}
        )
    if standing.erp_failing:
        parts.append(
            ngettext("%(n)d ERP connection", "%(n)d ERP connections", standing.erp_failing)
            % {"n": standing.erp_failing}
        )
    return ", ".join(parts) or _("None")


def standing_shown(client: Client) -> dict[str, Any] | None:
    """The client's standing as the console shows it; None while not computed yet."""
    standing: ClientStanding | None = getattr(client, "standing", None)
    if standing is None:
        return None
    total = standing.setup_total or 1
    return {
        "users_active": standing.users_active,
        "requisitions": standing.requisitions_month,
        "purchase_orders": standing.purchase_orders_month,
        "invoices": standing.invoices_month,
        "documents": standing.documents_month,
        "exceptions_open": standing.exceptions_open,
        "connectors_failing": standing.connectors_failing,
        "connectors_words": connectors_words(standing),
        "setup_done": standing.setup_done,
        "setup_total": standing.setup_total,
        "setup_percent": round(100 * standing.setup_done / total),
        "setup_complete": standing.setup_done >= standing.setup_total,
        # kept as message ids: shown in the partner's language
        "setup_missing": [gettext(label) for label in standing.setup_missing],
        "attention": bool(standing.connectors_failing)
        or standing.setup_done < standing.setup_total,
        "computed_at": standing.computed_at,
    }


def ratio_shown(ratio: float) -> str:
    """Cut, not rounded, to two decimals: 4.499 must not read as passing 4.5."""
    return f"{math.floor(ratio * 100) / 100:.2f}"


def contrast_shown(check: ContrastCheck) -> dict[str, Any]:
    """A colour's check with its figures rounded as the page prints them (the live check in
    static/js/brand-preview.js prints them the same way)."""
    return {
        "field": check.field,
        "colour": check.colour,
        "against": check.against,
        "needed": f"{check.needed:g}",
        "ratio": ratio_shown(check.ratio),
        "passes": check.passes,
        "proposed": check.proposed,
        "proposed_ratio": ratio_shown(check.proposed_ratio),
    }
