"""Signed-in sessions: each sign-in is recorded (browser, address, when), its record follows
the session when its key is cycled, "last seen" is written at most once a minute; the person
lists theirs and ends one or all others, a tenant admin ends anyone's in the tenant (asked for
twice); nobody else ends a session that is not theirs. Each ending is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.utils import timezone

from apps.accounts.models import UserSession
from apps.accounts.sessions.selectors import browser_label
from apps.audit.models import AuditEvent
from tests.conftest import PASSWORD, count_queries, host_of

pytestmark = pytest.mark.django_db
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _signed_in(tenant: Any, user: Any, agent: str = FIREFOX, ip: str = "198.51.100.7") -> Any:
    browser = BrowserClient(HTTP_HOST=host_of(tenant), HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    answer = browser.post("/login/", {"username": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    return browser


def test_the_browser_is_named_from_its_user_agent() -> None:
    assert browser_label(FIREFOX) == "Firefox on Linux"
    assert browser_label(SAFARI) == "Safari on iPhone"
    assert browser_label("") == "Unknown browser"


def test_a_person_sees_their_sessions_and_ends_another(
    tenant_a: Any, make_user: Any, in_tenant: Any
) -> None:
    user = make_user(tenant_a, "traveller", ["requester"])
    laptop = _signed_in(tenant_a, user)
    phone = _signed_in(tenant_a, user, SAFARI, "203.0.113.9")
    page = laptop.get("/account/sessions/").content.decode()
    assert page.count('data-testid="session-row"') == 2
    assert "Firefox on Linux" in page and "Safari on iPhone" in page and "203.0.113.9" in page
    assert page.count("this session") == 1
    with in_tenant(tenant_a):
        other = UserSession.objects.get(user=user, ip_address="203.0.113.9")
    ended = laptop.post("/account/sessions/", {"action": "revoke", "session": other.pk})
    assert ended.status_code == 302
    assert phone.get("/")["Location"].startswith("/login/")  # signed out at its next request
    assert laptop.get("/").status_code == 200
    with in_tenant(tenant_a):
        assert not UserSession.objects.filter(pk=other.pk).exists()
        event = AuditEvent.objects.get(action="user_session.revoked")
        assert event.actor == user.email and event.subject_id == str(user.pk)
        assert event.data == {"by_admin": False, "reason": "one"}
        assert event.before["ip_address"] == "203.0.113.9"


def test_a_person_ends_all_their_other_sessions(
    tenant_a: Any, make_user: Any, in_tenant: Any
) -> None:
    user = make_user(tenant_a, "leaver", ["requester"])
    keep = _signed_in(tenant_a, user)
    others = [_signed_in(tenant_a, user, SAFARI) for _ in range(2)]
    answer = keep.post("/account/sessions/", {"action": "revoke_others"})
    assert answer.status_code == 302
    assert keep.get("/").status_code == 200
    assert all(o.get("/")["Location"].startswith("/login/") for o in others)
    with in_tenant(tenant_a):
        assert UserSession.objects.filter(user=user).count() == 1
        assert AuditEvent.objects.filter(action="user_session.revoked").count() == 2


def test_nobody_ends_someone_elses_session_but_an_admin(
    tenant_a: Any, make_user: Any, in_tenant: Any
) -> None:
    target = make_user(tenant_a, "target", ["approver"])
    nosy = make_user(tenant_a, "nosy", ["requester"])
    admin = make_user(tenant_a, "boss", ["tenant_admin"])
    victim = _signed_in(tenant_a, target)
    with in_tenant(tenant_a):
        record = UserSession.objects.get(user=target)
    intruder = _signed_in(tenant_a, nosy)
    refused = intruder.post(
        "/account/sessions/", {"action": "revoke", "session": record.pk}, follow=True
    )
    assert "Only an admin may end another person" in refused.content.decode()
    assert intruder.get(f"/settings/users/{target.pk}/sessions/").status_code == 403
    assert victim.get("/").status_code == 200
    # the tenant admin sees the person's sessions from the users page and ends them all
    boss = _signed_in(tenant_a, admin)
    assert f"/settings/users/{target.pk}/sessions/" in boss.get("/settings/").content.decode()
    page = boss.get(f"/settings/users/{target.pk}/sessions/").content.decode()
    assert page.count('data-testid="session-row"') == 1 and "this session" not in page
    path = f"/settings/users/{target.pk}/sessions/"
    asked = boss.post(path, {"action": "revoke_others"})  # asked first: nothing ends yet
    assert asked.status_code == 200 and "End every session" in asked.content.decode()
    assert victim.get("/").status_code == 200
    done = boss.post(path, {"action": "revoke_others", "confirmation": "given"})
    assert done.status_code == 302
    assert victim.get("/")["Location"].startswith("/login/")
    assert boss.get("/").status_code == 200
    with in_tenant(tenant_a):
        event = AuditEvent.objects.get(action="user_session.revoked")
        assert event.actor == admin.email and event.data["by_admin"] is True


def test_the_record_follows_a_cycled_key_and_is_seen_at_most_once_a_minute(
    tenant_a: Any, make_user: Any, in_tenant: Any
) -> None:
    user = make_user(tenant_a, "seen", ["requester"])
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        browser = _signed_in(tenant_a, user)
        key = browser.session.session_key
        session = browser.session
        session.cycle_key()
        session.save()
        browser.cookies["sessionid"] = session.session_key
        with in_tenant(tenant_a):
            assert UserSession.objects.get(user=user).session_key == session.session_key != key
        clock.shift(timedelta(seconds=30))
        browser.get("/")
        with in_tenant(tenant_a):
            assert UserSession.objects.get(user=user).last_seen_at == start
        clock.shift(timedelta(seconds=40))
        browser.get("/")
        with in_tenant(tenant_a):
            assert UserSession.objects.get(user=user).last_seen_at == start + timedelta(seconds=70)


def test_the_sessions_page_costs_the_same_queries_for_more_sessions(
    tenant_a: Any, make_user: Any
) -> None:
    user = make_user(tenant_a, "many", ["requester"])
    browser = _signed_in(tenant_a, user)
    browser.get("/account/sessions/")
    few = count_queries(lambda: browser.get("/account/sessions/"))
    for _ in range(4):
        _signed_in(tenant_a, user, SAFARI)
    many = count_queries(lambda: browser.get("/account/sessions/"))
    assert browser.get("/account/sessions/").content.decode().count("session-row") >= 5
    assert many == few
