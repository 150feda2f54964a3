"""Serializer fields that read JSON as the published schema types it, and the values every
context takes the same way (apps.controls.values): one currency field and one identifier field,
used by every serializer that takes them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.controls.values import CURRENCIES, currency_problem, identifier_problem


class Text(serializers.CharField):
    """A string and nothing else: DRF's CharField also takes a JSON number or boolean and turns
    it into text, which the schema (`type: string`) forbids, so that is refused with 400."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        spaces_only = isinstance(data, str) and data != "" and not data.strip()
        if spaces_only and self.trim_whitespace and not self.allow_blank:
            # the schema's minLength counts the spaces: a value of spaces only is refused for
            # what it says, not its shape (422), like any rule the schema cannot state
            raise serializers.ValidationError(self.error_messages["blank"], code="only_spaces")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CurrencyField(serializers.ChoiceField):
    """An active ISO 4217 code in upper case (`usd` and `ZZZ` are refused, not corrected);
    the schema lists the codes, so schema and validation agree."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CURRENCIES, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        problem = currency_problem(data)
        if problem is not None:
            raise serializers.ValidationError(problem)
        return str(data)


class IdentifierField(Text):
    """A number or name that identifies a document or a party: a string, no invisible
    characters."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        problem = identifier_problem(value)
        if problem is not None:
            # the schema cannot say "no invisible characters": a refusal of a schema-valid
            # value, so its own code (422), not DRF's `invalid` (400)
            raise serializers.ValidationError(problem, code="invisible_characters")
        return value
