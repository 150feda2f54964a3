"""Policy conditions: CEL (cel-python), never Python. A condition is compiled once per source
text and tried on a sample of every fact it may read, so a typo is refused when the policy is
saved, not when a requisition is submitted."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import celpy
from celpy import celtypes
from django.utils.translation import gettext as _

# A sample of every fact a condition may read, with its type: used to validate conditions.
SAMPLE_FACTS: dict[str, Any] = {
    "amount": 1.0,
    "currency": "USD",
    "original_amount": 1.0,
    "original_currency": "USD",
    "category": "IT-HW",
    "cost_center": "CC-100",
    "legal_entity": "US01",
    "on_contract": False,
    "supplier": {"present": True, "risk": "low", "status": "approved", "compliant": True},
    "budget": {"exists": True, "remaining_after": 1.0, "over": False},
    "requester": {"email": "someone@example.com", "roles": ["requester"]},
}

SUPPLIER_SAMPLE_FACTS: dict[str, Any] = {
    "country": "DE",
    "eu": True,
    "category": "IT-HW",
    "risk": "low",
    "risk_score": 0,
    "screening": "clear",
}

_environment = celpy.Environment()


@dataclass(frozen=True)
class Condition:
    source: str
    program: Any

    def holds(self, facts: dict[str, Any]) -> bool:
        result = self.program.evaluate(to_cel(facts))
        if isinstance(result, celtypes.BoolType):
            return bool(result)
        if isinstance(result, Exception):
            raise result
        raise TypeError(_("The condition did not give true or false."))


def to_cel(facts: dict[str, Any]) -> dict[str, Any]:
    return {name: celpy.json_to_cel(value) for name, value in facts.items()}


@functools.lru_cache(maxsize=1024)
def compile_condition(source: str, facts: str = "requisition") -> Condition:
    """Compile and try the condition on sample facts; raise ValueError with a readable reason.

    Cached by source text: compiling is pure and costs milliseconds, and every submission,
    simulation and replay reads the same few conditions."""
    if not isinstance(source, str) or not source.strip():
        raise ValueError(_("Write a condition, for example: amount <= 1000.0"))
    try:
        program = _environment.program(_environment.compile(source))
    except celpy.CELParseError as exc:
        raise ValueError(_("Not valid CEL: %s") % str(exc).strip().splitlines()[0]) from exc
    condition = Condition(source, program)
    try:
        condition.holds(SUPPLIER_SAMPLE_FACTS if facts == "supplier" else SAMPLE_FACTS)
    except (celpy.CELEvalError, TypeError) as exc:
        message = str(exc.args[0] if exc.args else exc)
        raise ValueError(_("The condition cannot be evaluated: %s") % message[:200]) from exc
    return condition
