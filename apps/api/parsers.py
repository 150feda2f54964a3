"""The API's JSON parser: DRF's, plus the refusals of apps.api.boundary for what a JSON body
may hold (depth, NUL characters), so no view receives either."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .boundary import json_refusal


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        reason = json_refusal(data)
        if reason is not None:
            raise ParseError(reason)
        return data
