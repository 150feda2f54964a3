"""Filters that turn codes and numbers into what people read: `{{ code|label:"kind" }}`,
`{{ amount|money:currency }}` (thousands separators, the currency's decimals),
`{{ price|unit_price:currency }}` (the currency's decimals, more only where the price has them)."""

from __future__ import annotations

from typing import Any

from django import template

from apps.controls.stored_sentences import reread
from apps.organization.money import (
    as_decimal,
    money_text,
    quantity_text,
    unit_price_text,
    unit_price_value,
)
from apps.portal.labels import actor_label, registry
from apps.portal.labels import event_label as event_label_of
from apps.portal.labels import label as label_of

register = template.Library()


@register.filter
def label(code: object, kind: str) -> str:
    return label_of(code, kind)


@register.filter
def labels(codes: Any, kind: str) -> str:
    """`{{ user.roles|labels:"role" }}` → "Approver, Tenant admin"."""
    return ", ".join(label_of(code, kind) for code in codes or [])


@register.filter
def actor(name: object) -> str:
    """`{{ event.actor|actor }}`: a person's e-mail, or what did it ("Spendgate (invoice
    matching)", "ERP SAP S/4 production")."""
    return actor_label(name)


@register.simple_tag
def labelled_choices(kind: str) -> list[tuple[str, str]]:
    """`{% labelled_choices "event" as actions %}`: every code of a kind with its label, in
    the order of the labels (for a select)."""
    return sorted(
        ((code, str(text)) for code, text in registry()[kind].items()), key=lambda c: c[1]
    )


@register.filter
def event_label(event: Any) -> str:
    """`{{ event|event_label }}`: what a trail event did ("Invoice matched with exceptions")."""
    return event_label_of(event.action, event.after)


@register.filter
def money(value: Any, currency: str = "") -> str:
    """`{{ amount|money:currency }}` → "1,240.00 USD" (apps.organization.money)."""
    return money_text(value, currency)


@register.filter
def unit_price(value: Any, currency: str = "") -> str:
    """1150.0000 → 1,150.00; 0.1250 → 0.125 (a price keeps decimals it really has)."""
    return unit_price_text(value, currency)


@register.filter
def unit_price_field(value: Any, currency: str = "") -> str:
    """A unit price for a number field to read back: 62.0000 → 62.00 (no grouping)."""
    price = unit_price_value(value, currency)
    return "" if price is None else str(price)


@register.filter
def quantity_field(value: Any) -> str:
    """A quantity for a number field to read back: 1000.000 → 1000, 2.500 → 2.5 (no grouping,
    no local decimal comma: a field that cannot read its value shows it empty)."""
    amount = as_decimal(value)
    if amount is None:
        return ""
    return format(amount.normalize(), "f")


@register.filter
def quantity(value: Any) -> str:
    """12.000 → 12; 2.5 → 2.5."""
    return quantity_text(value)


@register.filter
def in_reader_language(value: Any) -> Any:
    """`{{ check.summary|in_reader_language }}`: a sentence stored when a record was made (by
    a worker, or in someone else's language) shown in the reader's language, names and
    amounts kept (apps.controls.stored_sentences); a person's own words are shown as stored."""
    if isinstance(value, str) and value:
        return reread(value)
    return value
