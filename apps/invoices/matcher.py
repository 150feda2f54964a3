"""Matching lives one layer up (apps.matching); accounts payable asks for a match again when
an exception closes, in the same transaction, through the matcher it registers here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.controls.registries import HookRegistry

_matchers = HookRegistry[Callable[..., dict[str, int]]](
    "invoices.matcher.register_matcher",
    "matches invoices again, now and in the caller's transaction, once an exception closes",
)


def register_matcher(matcher: Callable[..., dict[str, int]]) -> None:
    if matcher not in _matchers:
        _matchers.append(matcher)


def match_again(invoice_ids: list[Any]) -> dict[str, int]:
    """Match these invoices now. Without matching installed there is nothing to do this with,
    which is a deployment error, not something to skip."""
    if not _matchers:
        raise RuntimeError("no matcher registered: apps.matching is not installed")
    return _matchers[0](invoice_ids=invoice_ids)
