"""Policy conditions: CEL (cel-python), never Python. A condition is compiled once per source
text and tried on a sample of every fact it may read, so a typo is refused when the policy is
saved, not when a requisition is submitted."""

from __future__ import annotations

import difflib
import functools
import re
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
    # the linked contract (number, ""), and whether an active contract with this supplier
    # covers the category (`available`): off contract where a contract existed is maverick
    "contract": {
        "linked": False,
        "number": "",
        "available": False,
        "available_number": "",
        "over_cap": False,
    },
    "off_contract": False,
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


_TYPE_WORDS = {
    "DoubleType": "a number",
    "IntType": "a whole number",
    "UintType": "a whole number",
    "StringType": "a text",
    "BoolType": "true or false",
    "ListType": "a list",
    "MapType": "an object",
    "NullType": "null",
}
_OPERATORS = {
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_in": "in",
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
    "conditionaland": "&&",
    "conditionalor": "||",
}


def _column(source: str, word: str) -> int:
    found = re.search(rf"\b{re.escape(word)}\b", source)
    return found.start() + 1 if found else 1


def _suggestion(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1)
    return (_(" Did you mean `%s`?") % close[0]) if close else ""


def _readable(source: str, message: str, facts: dict[str, Any]) -> str:
    """A CEL evaluation error in words: what is wrong and at which column, never the
    interpreter's internals (its activation, type classes or grammar tokens)."""
    if found := re.search(r"undeclared reference to '([^']+)'", message):
        name = found.group(1)
        return _("Unknown name `%(n)s` at column %(c)d; conditions read %(k)s.%(s)s") % {
            "n": name,
            "c": _column(source, name),
            "k": ", ".join(sorted(facts)),
            "s": _suggestion(name, list(facts)),
        }
    if found := re.search(r"no such member in mapping: '([^']+)'", message):
        member = found.group(1)
        owners = [k for k, v in facts.items() if isinstance(v, dict)]
        fields = sorted({f for k in owners for f in facts[k]})
        return _("Unknown field `%(m)s` at column %(c)d; objects here have %(k)s.%(s)s") % {
            "m": member,
            "c": _column(source, member),
            "k": ", ".join(fields),
            "s": _suggestion(member, fields),
        }
    if found := re.search(r"no matching overload for Token\('RULE', '(\w+)'\)", message):
        operator = _OPERATORS.get(found.group(1), found.group(1))
        kinds = [_TYPE_WORDS.get(t, t) for t in re.findall(r"celtypes\.(\w+)'", message)]
        column = source.find(operator) + 1 if operator in source else 1
        if len(kinds) == 2:
            return _("`%(o)s` at column %(c)d cannot combine %(a)s with %(b)s%(hint)s.") % {
                "o": operator,
                "c": column,
                "a": kinds[0],
                "b": kinds[1],
                "hint": _(" (amounts are decimals: write 100.0, not 100)")
                if set(kinds) == {"a number", "a whole number"}
                else "",
            }
        return _("`%(o)s` at column %(c)d does not apply to these values.") % {
            "o": operator,
            "c": column,
        }
    return (
        _("The condition cannot be evaluated here (%s).")
        % re.sub(r"\(in activation .*", "", message).strip()[:120]
    )


@functools.lru_cache(maxsize=1024)
def compile_condition(source: str, facts: str = "requisition") -> Condition:
    """Compile and try the condition on sample facts; raise ValueError with a reason a policy
    author can act on (what, and at which column).

    Cached by source text: compiling is pure and costs milliseconds, and every submission,
    simulation and replay reads the same few conditions."""
    if not isinstance(source, str) or not source.strip():
        raise ValueError(_("Write a condition, for example: amount <= 1000.0"))
    try:
        program = _environment.program(_environment.compile(source))
    except celpy.CELParseError as exc:
        column = getattr(exc, "column", None)
        raise ValueError(
            _("Not valid CEL: the text stops making sense at column %(c)s of `%(s)s`.")
            % {"c": column or "?", "s": source.strip()[:120]}
        ) from exc
    condition = Condition(source, program)
    sample = SUPPLIER_SAMPLE_FACTS if facts == "supplier" else SAMPLE_FACTS
    try:
        condition.holds(sample)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc
    except celpy.CELEvalError as exc:
        message = str(exc.args[0] if exc.args else exc)
        raise ValueError(_readable(source, message, sample)) from exc
    return condition


def condition_error(rule: Any, exc: ValueError) -> str:
    """The message under a rule's `when`: names the rule, then what is wrong where."""
    rule_id = rule.get("id") if isinstance(rule, dict) else None
    if isinstance(rule_id, str) and rule_id:
        return _("Rule %(id)s: %(why)s") % {"id": rule_id, "why": exc}
    return str(exc)
