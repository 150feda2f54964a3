"""A mail a worker composes reads its recipient's language, not the language of the request
that set the work off: a supplier's contact who reads German submits onboarding on the
supplier portal; a real Celery worker runs the checks, opens the approval route and e-mails
the buyer, who reads French, the approval request with its approve and reject links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.suppliers.services.onboarding import supplier_invite
from apps.tenancy.context import tenant_context
from apps.tenancy.devmail import KeptMail, kept_mail
from tests.conftest import celery_worker, poll
from tests.integrations.conftest import signed_in
from tests.suppliers.conftest import complete_onboarding

SUPPLIER = "Northgate Components GmbH"


def _approval_request(language: str) -> tuple[str, str, str]:
    """The approval mail's subject prefix, first line and one essential's label in
    `language`."""
    with translation.override(language):
        return (
            (_("Approval needed: %(title)s") % {"title": ""}).strip(),
            (_("%(title)s waits for your decision.") % {"title": ""}).strip(),
            (_("%(label)s: %(value)s") % {"label": _("Why you"), "value": ""}).rstrip(),
        )


def test_the_worker_mails_the_approver_in_french_after_a_german_submission(
    committed_org: dict[str, Any], django_db_blocker: Any, tmp_path: Path
) -> None:
    tenant, buyer = committed_org["tenant"], committed_org["buyer"]
    french, german, english = (_approval_request(code) for code in ("fr", "de", "en"))
    assert len({french, german, english}) == 3  # the catalogs are compiled
    with django_db_blocker.unblock(), tenant_context(tenant):
        with transaction.atomic():
            supplier = supplier_invite(
                actor=buyer,
                name=SUPPLIER,
                email="ar@northgate.test",
                country="DE",
                category="IT-HW",
                base_url="http://x/",
            )
        contact = complete_onboarding(None, supplier)
        User.objects.filter(pk=contact.pk).update(language="de")
        User.objects.filter(pk=buyer.pk).update(language="fr")

    with celery_worker(mail_dir=tmp_path), override_settings(DEV_MAIL_DIR=tmp_path):
        portal = signed_in(tenant, contact)
        submitted = portal.post("/supplier-portal/submit/")
        assert submitted.status_code == 302, submitted.content.decode()[-2000:]
        # the request that queued the work spoke German
        home = portal.get("/supplier-portal/")
        assert home["Content-Language"] == "de"
        with translation.override("de"):
            assert _("Submitted for approval. We will e-mail you the result.") in (
                home.content.decode()
            )

        def mailed_to_buyer() -> list[KeptMail]:
            return [
                mail
                for mail in kept_mail(tenant.schema_name)
                if any(buyer.email in to for to in mail.to)
            ]

        (mail,) = poll(mailed_to_buyer, what="the worker to mail the approval request")

    subject_prefix, first_line, label = french
    assert mail.subject.startswith(subject_prefix) and SUPPLIER in mail.subject
    assert first_line in mail.body and label in mail.body
    # the step's reason was stored while the German request routed it; the buyer reads French
    (why,) = [line for line in mail.body.splitlines() if line.startswith(label)]
    with translation.override("fr"):
        assert why.startswith(f"{label} " + (_("role %s") % "").strip()), why
    assert len([link for link in mail.links if "/approvals/" in link]) == 2  # approve, reject
    for other in (german, english):
        assert not mail.subject.startswith(other[0])
        assert other[1] not in mail.body and other[2] not in mail.body
