"""The JSON our JSONB columns are written from: JSON text made already goes in as it is."""

from __future__ import annotations

import json
from decimal import Decimal

from apps.audit.jsonb import JsonText, json_text


def test_json_text_writes_made_json_as_it_is() -> None:
    made = JsonText('{"lines" : [{"quantity" : "2.5"}]}')
    text = json_text({"id": "INV-1", "total": Decimal("10.00"), "posting": made})
    assert json.loads(text) == {
        "id": "INV-1",
        "total": "10.00",
        "posting": {"lines": [{"quantity": "2.5"}]},
    }
    assert json.loads(json_text({"posting": made})) == {"posting": {"lines": [{"quantity": "2.5"}]}}
    # elsewhere a JsonText is a string like any other
    assert json.loads(json_text(["a", made])) == ["a", str(made)]
