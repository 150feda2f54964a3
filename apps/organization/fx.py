"""Currency conversion with the tenant's dated rate table."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError

from .models import FxRate

CENT = Decimal("0.01")


class FxRateMissing(ApplicationError):
    status = 409
    code = "fx_rate_missing"


def fx_rate(*, base: str, quote: str, on: date) -> Decimal:
    """The rate in force on `on`: the latest on or before it, direct or inverted."""
    if base == quote:
        return Decimal("1")
    direct = (
        FxRate.objects.filter(base=base, quote=quote, valid_on__lte=on)
        .order_by("-valid_on")
        .first()
    )
    inverse = (
        FxRate.objects.filter(base=quote, quote=base, valid_on__lte=on)
        .order_by("-valid_on")
        .first()
    )
    if direct and (inverse is None or direct.valid_on >= inverse.valid_on):
        return direct.rate
    if inverse and inverse.rate:
        return Decimal("1") / inverse.rate
    raise FxRateMissing(
        _("No exchange rate from %(base)s to %(quote)s on or before %(on)s.")
        % {"base": base, "quote": quote, "on": on.isoformat()}
    )


def convert(amount: Decimal, *, base: str, quote: str, on: date) -> tuple[Decimal, Decimal]:
    """(amount in `quote`, rows rounded to cents; the rate used)."""
    rate = fx_rate(base=base, quote=quote, on=on)
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP), rate
