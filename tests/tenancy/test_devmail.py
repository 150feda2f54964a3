"""Demo mail a newcomer can read: sent e-mails are kept and shown decoded at /dev/mail/ (links
whole and clickable, not quoted-printable), the console names each one, and the page exists
only in development, for a signed-in user, with the mail of that user's tenant only (a
supplier's user: only its own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client as WebClient
from django.test import override_settings

from tests.conftest import host_of
from tests.integrations.conftest import signed_in
from tests.suppliers.conftest import invite

pytestmark = pytest.mark.django_db
KEPT = {"default": {"BACKEND": "apps.tenancy.devmail.KeptMailBackend"}}
LONG_LINK = "http://acme.localhost:8123/supplier-portal/onboarding/" + "x1=" * 40 + "end/"


def test_sent_mail_is_kept_and_shown_decoded(
    sorg: Any, in_tenant: Any, make_user: Any, tenant_b: Any, tmp_path: Path, capsys: Any
) -> None:
    with override_settings(MAILERS=KEPT, DEV_MAIL_DIR=tmp_path, DEV_MAIL_VIEWER=True):
        with in_tenant(sorg.tenant):
            mail.send_mail(
                "Complete your profile — Acme Procurement",
                f"Grüße! Open {LONG_LINK} within 14 days.",
                None,
                ["contact@tailspin.example"],
            )
        kept = list((tmp_path / sorg.tenant.schema_name).glob("*.eml"))
        assert len(kept) == 1
        raw = kept[0].read_bytes()
        assert LONG_LINK.encode() not in raw  # the wire form is encoded …
        console = capsys.readouterr().out
        assert f"links: {LONG_LINK}" in console and f"/dev/mail/{kept[0].name}" in console

        browser = signed_in(sorg.tenant, sorg.buyer)
        listing = browser.get("/dev/mail/?to=tailspin")
        assert listing.status_code == 200
        assert "Complete your profile — Acme Procurement" in listing.text
        detail = browser.get(f"/dev/mail/{kept[0].name}")
        # … the page shows it whole and as a link
        assert f'<a href="{LONG_LINK}"' in detail.text and "Grüße!" in detail.text
        assert browser.get("/dev/mail/..%2Fsettings.py").status_code == 404

        # nobody signed in: the sign-in page, not the mail
        anonymous = WebClient(HTTP_HOST=host_of(sorg.tenant))
        for path in ("/dev/mail/", f"/dev/mail/{kept[0].name}"):
            answer = anonymous.get(path)
            assert answer.status_code == 302 and answer["Location"].startswith("/login/")
        # another tenant's user sees its own tenant's mail: none of this one's
        stranger = make_user(tenant_b, "buyer2", ["buyer"])
        elsewhere = signed_in(tenant_b, stranger)
        assert "Complete your profile" not in elsewhere.get("/dev/mail/").text
        assert elsewhere.get(f"/dev/mail/{kept[0].name}").status_code == 404
        # a supplier's user reads only the mail sent to itself
        supplier_user = make_user(sorg.tenant, "portal", ["supplier"])
        portal = signed_in(sorg.tenant, supplier_user)
        assert "Complete your profile" not in portal.get("/dev/mail/").text
        assert portal.get(f"/dev/mail/{kept[0].name}").status_code == 404


def test_the_viewer_does_not_exist_outside_development(tmp_path: Path) -> None:
    with override_settings(DEV_MAIL_DIR=tmp_path, DEV_MAIL_VIEWER=False):
        assert WebClient(HTTP_HOST="localhost").get("/dev/mail/").status_code == 404


def test_an_onboarding_link_from_the_kept_mail_opens_the_onboarding_page(
    sorg: Any, in_tenant: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.tenancy.devmail import kept_mail

    with override_settings(MAILERS=KEPT, DEV_MAIL_DIR=tmp_path, DEV_MAIL_VIEWER=True):
        with in_tenant(sorg.tenant), django_capture_on_commit_callbacks(execute=True):
            invite(sorg)
        (invitation,) = kept_mail(sorg.tenant.schema_name)
        (link,) = [link for link in invitation.links if "/supplier-portal/" in link]
        path = "/" + link.split("/", 3)[3]
        page = WebClient(HTTP_HOST="a.localhost").get(path)
        assert page.status_code == 200, (link, page.status_code)


def test_a_user_reads_its_own_mail_and_never_another_users(
    sorg: Any, in_tenant: Any, make_user: Any, tmp_path: Path
) -> None:
    """A password reset is a key: a colleague does not read it, and a supplier's user whose
    address is part of another address (ap@ in cap@) does not read that one's mail."""
    from apps.tenancy.devmail import kept_mail

    with override_settings(MAILERS=KEPT, DEV_MAIL_DIR=tmp_path, DEV_MAIL_VIEWER=True):
        ap = make_user(sorg.tenant, "ap", ["supplier"])
        cap = make_user(sorg.tenant, "cap", ["supplier"])
        with in_tenant(sorg.tenant):
            mail.send_mail("Reset your password", "key", None, [sorg.buyer.email])
            mail.send_mail("Your order", "PO", None, [f"Cap <{cap.email.upper()}>"])
            (reset, order) = sorted(kept_mail(sorg.tenant.schema_name), key=lambda m: m.subject)
        colleague = signed_in(sorg.tenant, make_user(sorg.tenant, "clerk", ["ap_clerk"]))
        assert "Reset your password" not in colleague.get("/dev/mail/").text
        assert colleague.get(f"/dev/mail/{reset.name}").status_code == 404
        assert signed_in(sorg.tenant, sorg.buyer).get(f"/dev/mail/{reset.name}").status_code == 200
        assert signed_in(sorg.tenant, ap).get(f"/dev/mail/{order.name}").status_code == 404
        assert signed_in(sorg.tenant, cap).get(f"/dev/mail/{order.name}").status_code == 200
