"""A run's page: a release posted without the confirmation opens the review of payees and
accounts (the release's own step), and a person who may not act on runs is refused before any
step, also for a run that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from apps.audit.models import AuditEvent
from apps.payments.models import PaymentRun
from tests import world


def test_a_release_without_the_confirmation_opens_the_payee_review(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    releaser = make_user(aporg.tenant, "releaser", ["ap_manager"])
    with in_tenant(aporg.tenant):
        run = world.proposed_run(aporg, receive)
    page = api_for(aporg.tenant)
    with in_tenant(aporg.tenant):
        page.force_login(releaser)
    posted = page.post(f"/payments/{run.pk}/", {"action": "release"})
    assert (posted.status_code, posted["Location"]) == (302, f"/payments/{run.pk}/?confirm=release")
    review = page.get(posted["Location"]).content.decode()
    assert 'data-testid="release-confirmation"' in review and aporg.supplier.name in review
    assert 'data-testid="confirm-step"' not in review  # not the generic step: the payees
    with in_tenant(aporg.tenant):
        assert PaymentRun.objects.get(pk=run.pk).status == PaymentRun.Status.PROPOSED


def test_a_requester_is_refused_before_any_step(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any, api_for: Any
) -> None:
    requester = make_user(aporg.tenant, "asker", ["requester"])
    clerk_only = make_user(aporg.tenant, "clerk-only", ["ap_clerk"])
    with in_tenant(aporg.tenant):
        run = world.proposed_run(aporg, receive)
        before = AuditEvent.objects.count()
    page = api_for(aporg.tenant)
    attempts = [
        (requester, f"/payments/{run.pk}/", "cancel"),
        (requester, f"/payments/{uuid.uuid4()}/", "cancel"),  # a made-up run
        (requester, f"/payments/{run.pk}/", "release"),
        (clerk_only, f"/payments/{run.pk}/", "release"),  # works runs, may not release them
    ]
    for person, path, action in attempts:
        with in_tenant(aporg.tenant):
            page.force_login(person)
        refused = page.post(path, {"action": action})
        assert refused.status_code == 403, (person.email, path, action, refused.status_code)
        assert b"data-confirm-step" not in refused.content
    with in_tenant(aporg.tenant):
        assert PaymentRun.objects.get(pk=run.pk).status == PaymentRun.Status.PROPOSED
        assert AuditEvent.objects.count() == before
