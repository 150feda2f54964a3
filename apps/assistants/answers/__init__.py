"""Supplier status answers (docs/ai/supplier_answers.md): a supplier asks about its invoice or
payment in the portal and is answered from the facts it may see, or AP takes the question."""

from __future__ import annotations


def register() -> None:
    """Called from AssistantsConfig.ready(): the question box on the supplier portal's home."""
    from apps.suppliers.portal import register_home_section

    from .views import portal_questions_section

    register_home_section("questions", portal_questions_section)
