"""In-app notices speak their reader's language (CONTRACT §8): each notice is composed for the
one person who reads it, never in the language of the request or worker that wrote it; and
every notice of the product is written through `apps.workflow.notices`, so none can skip it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from django.core import mail
from django.utils import translation

from apps.accounts.models import User
from apps.accounts.roles import TENANT_ADMIN
from apps.assurance.chain_checks import audit_chain_check
from apps.workflow.models import Notification
from apps.workflow.notices import LENGTH, fitted, tell
from tests.assurance.test_packs import decided_requisition, tampered
from tests.org import Org

ROOT = Path(__file__).resolve().parents[2]


def speaking(person: User, language: str, in_tenant: Any, org: Org) -> User:
    """The person, having chosen `language` in the menu."""
    with in_tenant(org.tenant):
        person.language = language
        person.save(update_fields=["language"])
    return person


def test_only_the_notices_module_writes_a_notice() -> None:
    """A `Notification(...)` or `Notification.objects.create(...)` anywhere else would be
    composed in the writer's language."""
    found = []
    for path in sorted((ROOT / "apps").rglob("*.py")):
        if "migrations" in path.parts or path == ROOT / "apps/workflow/notices.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            built = isinstance(func, ast.Name) and func.id == "Notification"
            created = (
                isinstance(func, ast.Attribute)
                and func.attr in ("create", "get_or_create", "update_or_create")
                and isinstance(func.value, ast.Attribute)
                and isinstance(func.value.value, ast.Name)
                and func.value.value.id == "Notification"
            )
            if built or created:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "notices written outside apps.workflow.notices: " + ", ".join(found)


def test_each_reader_gets_the_notice_in_their_language(
    org: Org, make_user: Any, in_tenant: Any
) -> None:
    german = speaking(make_user(org.tenant, "de-admin", [TENANT_ADMIN]), "de", in_tenant, org)
    french = speaking(make_user(org.tenant, "fr-admin", [TENANT_ADMIN]), "fr", in_tenant, org)
    with in_tenant(org.tenant), translation.override("es"):  # the writer reads Spanish
        tell(
            [german, french, org.requester],
            lambda: translation.gettext("Reject"),
            kind="test.language",
        )
        told = dict(
            Notification.objects.filter(kind="test.language").values_list("user__email", "message")
        )
    assert told == {
        german.email: "Ablehnen",
        french.email: "Rejeter",
        org.requester.email: "Reject",
    }


def test_a_long_sentence_is_cut_and_says_so() -> None:
    assert fitted("x" * (LENGTH + 5)) == "x" * (LENGTH - 1) + "…"
    assert fitted("short") == "short"


def test_a_broken_chain_is_told_to_each_admin_in_their_language(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    """The nightly check runs in a worker with no reader's language; the German admin reads
    the notice and the e-mail in German, the French admin in French."""
    german = speaking(make_user(org.tenant, "de-chain", [TENANT_ADMIN]), "de", in_tenant, org)
    french = speaking(make_user(org.tenant, "fr-chain", [TENANT_ADMIN]), "fr", in_tenant, org)
    draft = decided_requisition(org, api_for, in_tenant)
    tampered(org, in_tenant, draft["id"])
    with in_tenant(org.tenant):
        mail.outbox.clear()
        with translation.override("es"):
            assert audit_chain_check(trigger="nightly").valid is False
        told = dict(
            Notification.objects.filter(kind="audit.chain_broken").values_list(
                "user__email", "message"
            )
        )
    assert told[german.email].startswith("Die Hash-Kette des Prüfpfads ist bei Ereignis")
    assert told[french.email].startswith("La chaîne de hachage de la piste d'audit est rompue")
    subjects = {m.to[0]: m.subject for m in mail.outbox if len(m.to) == 1}
    assert "Prüfpfad-Kette unterbrochen" in subjects[german.email]
    assert "Prüfpfad" not in subjects[french.email]
