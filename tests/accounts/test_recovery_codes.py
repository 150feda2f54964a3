"""Recovery codes are stored as digests only: no code shown to the person is in the database,
a code works once, and the codes kept in plain text before are hashed by the migration."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client as BrowserClient
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from apps.accounts.mfa.devices import code_check
from apps.accounts.mfa.recovery import recovery_code_digest
from apps.accounts.models import User
from apps.tenancy.context import public_context
from tests.conftest import PASSWORD, authenticator_set_up

pytestmark = pytest.mark.django_db
EMAIL = "support@partner.test"


def _password_only() -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="localhost")
    assert browser.post("/login/", {"username": EMAIL, "password": PASSWORD}).status_code == 302
    return browser


def test_no_recovery_code_is_stored_and_each_works_once(tenant_a: Any) -> None:
    shown = authenticator_set_up(_password_only())
    codes = [part.split("</code>", 1)[0] for part in shown.split("<li><code>")[1:]]
    assert len(codes) == 10
    with public_context():
        user = User.objects.get(email=EMAIL)
        stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert stored == {recovery_code_digest(user.pk, code) for code in codes}
    first = _password_only()
    assert first.post("/account/verify/", {"code": codes[3].upper()}).status_code == 302
    assert first.get("/partner/").status_code == 200
    second = _password_only()
    assert second.post("/account/verify/", {"code": codes[3]}).status_code == 422
    with public_context():
        assert StaticToken.objects.filter(device__user=user).count() == 9
        # the stored digest itself is no code: typed in, it is refused
        digest = StaticToken.objects.filter(device__user=user).first()
        assert digest is not None and not code_check(user, digest.token).ok


def test_the_migration_hashes_codes_kept_in_plain_text(tenant_a: Any) -> None:
    migration = importlib.import_module("apps.accounts.migrations.0009_recovery_codes_hashed")
    with public_context():
        user = User.objects.get(email=EMAIL)
        device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        StaticToken.objects.create(device=device, token="abcd2345")  # as django-otp stored it
        with connection.schema_editor() as editor:
            migration.codes_hashed(django_apps, editor)
        token = StaticToken.objects.get(device=device)
        assert token.token == recovery_code_digest(user.pk, "abcd2345") != "abcd2345"
        assert code_check(user, "abcd2345").ok
        assert not code_check(user, "abcd2345").ok
