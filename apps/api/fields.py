"""Serializer fields that read JSON as the published schema types it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class Text(serializers.CharField):
    """A string and nothing else: DRF's CharField also takes a JSON number or boolean and turns
    it into text, which the schema (`type: string`) forbids, so that is refused with 400."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
