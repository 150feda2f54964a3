"""Which language a person reads (CONTRACT §8): their own choice (the menu at the foot of every
page, `PATCH /api/v1/me/`), else the organisation's default, else the browser's; e-mails are
written in each reader's language, not the language of the request that caused them."""

from __future__ import annotations

import re
from typing import Any

import lxml.html
import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.tenancy.models import Client as Tenant
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def _lang(response: Any) -> str:
    match = re.search(r'<html lang="([a-z-]+)"', response.content.decode())
    assert match, "the page has no lang"
    assert response["Content-Language"] == match.group(1)
    return match.group(1)


def _translated(language: str, text: str) -> str:
    """The catalog's words for `text` in `language`, which must differ from the English (a
    shipped catalog, not a fallback)."""
    with translation.override(language):
        words = _(text)
    assert words != text, f"no {language} words for {text!r}"
    return words


def _organisation_speaks(tenant: Any, language: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(default_language=language)
    tenant.default_language = language  # the object the test's tenant context holds


def test_the_choice_order_is_person_then_organisation_then_browser(
    tenant_a: Any, make_user: Any, in_tenant: Any
) -> None:
    person = make_user(tenant_a, "reader", ["requester"])
    browser = Client(HTTP_HOST=host_of(tenant_a), HTTP_ACCEPT_LANGUAGE="fr")
    # the organisation's default beats the browser's wish, on the sign-in page and after
    _organisation_speaks(tenant_a, "es")
    assert _lang(browser.get("/login/")) == "es"
    assert _translated("es", "Sign in") in browser.get("/login/").content.decode()
    browser.force_login(person)
    assert _lang(browser.get("/")) == "es"
    # the person's own choice beats both
    with in_tenant(tenant_a):
        User.objects.filter(pk=person.pk).update(language="de")
    before = translation.get_language()
    page = browser.get("/")
    assert _lang(page) == "de"
    assert _translated("de", "Home") in page.content.decode()
    # the request leaves the thread in the language it found it in
    assert translation.get_language() == before
    # an organisation without a default language: the browser's wish
    with in_tenant(tenant_a):
        User.objects.filter(pk=person.pk).update(language="")
    _organisation_speaks(tenant_a, "")
    assert _lang(browser.get("/")) == "fr"
    # the partner host has no organisation language: the browser's
    assert _lang(Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="de").get("/login/")) == "de"


def test_the_language_menu_on_every_page_keeps_the_choice(
    tenant_a: Any, make_user: Any, in_tenant: Any
) -> None:
    person = make_user(tenant_a, "chooser", ["requester"])
    browser = Client(HTTP_HOST=host_of(tenant_a))
    # a visitor chooses on the sign-in page: a cookie keeps it
    page = lxml.html.fromstring(browser.get("/login/").content)
    (menu,) = page.xpath("//form[@data-testid='language-menu']")
    assert menu.xpath(".//label[@for='language-menu']") and menu.xpath(".//select[@id]")
    names = {o.get("value"): o.text_content() for o in menu.xpath(".//option")}
    assert names == {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
    answer = browser.post("/language/", {"language": "fr", "next": "/login/"})
    assert answer.status_code == 302 and answer["Location"] == "/login/"
    assert _lang(browser.get("/login/")) == "fr"
    # signed in, the choice is kept on the account (it follows the person to e-mails)
    browser.force_login(person)
    browser.post("/language/", {"language": "de", "next": "/requisitions/"})
    with in_tenant(tenant_a):
        assert User.objects.get(pk=person.pk).language == "de"
    assert _lang(browser.get("/requisitions/")) == "de"
    # another site as `next` goes home; an unknown language changes nothing
    assert (
        browser.post("/language/", {"language": "es", "next": "https://evil.test/"})["Location"]
        == "/"
    )
    browser.post("/language/", {"language": "xx", "next": "/"})
    with in_tenant(tenant_a):
        assert User.objects.get(pk=person.pk).language == "es"


def test_me_reads_and_sets_the_language_and_detail_follows_it(
    tenant_a: Any, make_user: Any, api_for: Any, in_tenant: Any
) -> None:
    person = make_user(tenant_a, "apiuser", ["requester"])
    auditor = make_user(tenant_a, "apiauditor", ["auditor"])
    api = api_for(tenant_a, person)
    me = api.get("/api/v1/me/").json()
    assert me["email"] == person.email and me["language"] == "" and me["reads_in"] == "en"
    assert me["roles"] == ["requester"]
    changed = api.patch("/api/v1/me/", {"language": "de"}, format="json")
    assert changed.status_code == 200 and changed.json()["language"] == "de"
    assert changed.json()["reads_in"] == "de" and changed["Content-Language"] == "de"
    # the next call's refusal speaks German; its code does not change
    refused = api.get("/api/v1/users/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    with translation.override("en"):
        english = api_for(tenant_a, make_user(tenant_a, "english", ["requester"]))
        english_detail = english.get("/api/v1/users/").json()["detail"]
    assert refused.json()["detail"] != english_detail
    # even where Django answers before any view (no such path; a session's call)
    session = Client(HTTP_HOST=host_of(tenant_a))
    session.force_login(person)
    lost = session.get("/api/v1/no-such-list/")
    assert lost.status_code == 404 and lost.json()["code"] == "not_found"
    assert lost.json()["detail"] == _translated("de", "Not found.")
    unchanged = api.patch("/api/v1/me/", {}, format="json")  # a PATCH sends what changes
    assert unchanged.status_code == 200 and unchanged.json()["language"] == "de"
    wrong = api.patch("/api/v1/me/", {"language": "xx"}, format="json")
    assert wrong.status_code == 400 and "language" in wrong.json()["errors"]
    # "" follows the organisation again; an auditor may set their own language too
    assert api.patch("/api/v1/me/", {"language": ""}, format="json").json()["reads_in"] == "en"
    watcher = api_for(tenant_a, auditor)
    assert watcher.patch("/api/v1/me/", {"language": "fr"}, format="json").status_code == 200
    with in_tenant(tenant_a):
        assert User.objects.get(pk=auditor.pk).language == "fr"


def test_mail_goes_out_in_each_readers_language_not_the_senders(
    tenant_a: Any, make_user: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An auditor reading French asks for the control report: the admin who reads German gets
    it in German, the auditor in French; a new person invited by a German-reading admin gets
    the invitation in the organisation's language (Spanish here)."""
    from apps.accounts.services import user_invite
    from apps.assurance.compliance import compliance_report_generate
    from apps.assurance.packs import recent_period

    admin = make_user(tenant_a, "mailadmin", ["tenant_admin"])
    auditor = make_user(tenant_a, "mailauditor", ["auditor"])
    with in_tenant(tenant_a):
        User.objects.filter(pk=admin.pk).update(language="de")
        User.objects.filter(pk=auditor.pk).update(language="fr")
        others = User.objects.filter(groups__name__in=["tenant_admin", "auditor"]).exclude(
            pk__in=[admin.pk, auditor.pk]
        )
        others.update(language="es")  # whoever else the shared tenant holds
    start, end = recent_period()
    mail.outbox.clear()
    with in_tenant(tenant_a), translation.override("fr"):
        compliance_report_generate(
            start=start, end=end, trigger="on_demand", actor=User.objects.get(pk=auditor.pk)
        )
    by_reader = {address: m for m in mail.outbox for address in m.to}
    _translated(
        "de", "The control report for %(a)s to %(b)s is attached (PDF and CSV) and kept on /audit/."
    )
    with translation.override("de"):
        expected = _(
            "The control report for %(a)s to %(b)s is attached (PDF and CSV) and kept on /audit/."
        ) % {"a": start, "b": end}
    assert by_reader[admin.email].body == expected
    with translation.override("fr"):
        expected = _(
            "The control report for %(a)s to %(b)s is attached (PDF and CSV) and kept on /audit/."
        ) % {"a": start, "b": end}
    assert by_reader[auditor.email].body == expected
    # an invitation: the new person has no choice yet, so the organisation's language
    _organisation_speaks(tenant_a, "es")
    mail.outbox.clear()
    with (
        in_tenant(tenant_a),
        translation.override("de"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        user_invite(
            actor=User.objects.get(pk=admin.pk),
            email="new.person@tenant-a.test",
            first_name="",
            last_name="",
            roles=["requester"],
            base_url="http://a.localhost/",
            portal_name="Portal",
        )
    (invitation,) = mail.outbox
    assert invitation.subject == _translated("es", "You are invited to %(portal)s") % {
        "portal": "Portal"
    }
