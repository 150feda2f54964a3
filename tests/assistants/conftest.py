"""Fixtures for the assistants: the AP organisation (an approved supplier, Contoso GmbH, with
its tax id) and a way to set an assistant's policy (on/off, threshold)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.invoices.conftest import aporg

__all__ = ["aporg", "assistant_policy"]


def assistant_policy(org: Any, name: str, *, enabled: bool = True, threshold: float = 0.8) -> None:
    """Publish a policy version with the assistant set as asked (inside the tenant)."""
    from apps.policies.selectors import policy_published
    from apps.policies.services import policy_draft_create, policy_publish

    document = copy.deepcopy(policy_published().document)
    document.setdefault("assistants", {})[name] = {"enabled": enabled, "threshold": threshold}
    draft = policy_draft_create(actor=org.admin, document=document, note=f"{name} {enabled}")
    policy_publish(actor=org.admin, version=draft)


@pytest.fixture
def portal_user(aporg: Any, in_tenant: Any) -> Any:
    from tests.invoices.test_exceptions import portal_user_of

    with in_tenant(aporg.tenant):
        return portal_user_of(aporg)


@pytest.fixture(autouse=True)
def _trusted_upstream(settings: Any) -> None:
    """The upstream MTA the e-mail tests trust (tests/inbox/conftest.py)."""
    from tests.inbox.conftest import TRUSTED_MTA

    settings.INVOICE_MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED_MTA]
