"""Approvals in Slack and Teams: a tenant admin names the incoming webhooks, Slack's signing
secret and bot token; each task assigned is posted (through the outbound guard, to a real local
receiver); Slack's button clicks come back signed exactly as Slack signs them (v0 basestring,
HMAC-SHA256), the clicker is who Slack's Web API (`users.info`, the same receiver) confirms by
e-mail, the click decides through the inbox's services with channel `slack`, and the answer is
posted to the click's `response_url`, in the decider's language; Teams cards open the
single-use confirm pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.test import override_settings

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.controls.refusals import PermissionRefused, ValidationFailed
from apps.integrations.models import ChatApprovals
from apps.integrations.services.chat import approval_cards_post, chat_settings_save
from apps.suppliers.secrets import decrypt
from apps.tenancy.models import Client as Tenant
from apps.workflow.models import ApprovalTask
from tests import world
from tests.conftest import host_of
from tests.integrations.conftest import Receiver, signed_in

pytestmark = pytest.mark.django_db
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
INTERACTIONS = "/integrations/slack/interactions/"
RESPOND = "/respond"


@pytest.fixture
def slack(receiver: Receiver) -> Iterator[Receiver]:
    """The local receiver stands in for Slack: its Web API (GET users.info) and the clicks'
    response_url host."""
    with override_settings(
        SLACK_API_URL=receiver.base + "/api/", SLACK_RESPONSE_HOSTS=("127.0.0.1",)
    ):
        yield receiver


@pytest.fixture
def posted(org: Any, in_tenant: Any, slack: Receiver) -> tuple[ApprovalTask, list[Any]]:
    """Slack and Teams set up by the tenant admin; one task assigned and posted to both."""
    with in_tenant(org.tenant):
        chat_settings_save(
            actor=org.admin,
            slack_webhook_url=slack.url,
            slack_signing_secret=SECRET,
            slack_bot_token=BOT_TOKEN,
            teams_webhook_url=slack.url + "/teams",
        )
        _requisition, task = world.pending(org.requester)
        assert approval_cards_post([str(task.pk)]) == 2
    return task, [json.loads(body) for _headers, body, _path in slack.got]


def slack_user(receiver: Receiver, slack_id: str, email: str, *, confirmed: bool = True) -> str:
    """A Slack user as Slack's `users.info` describes them to the bot token."""
    receiver.slack_users[slack_id] = {
        "ok": True,
        "user": {
            "id": slack_id,
            "team_id": "T0SPENDGATE",
            "is_email_confirmed": confirmed,
            "profile": {"email": email, "real_name": "Someone"},
        },
    }
    return slack_id


def slack_click(
    tenant: Any,
    payload: dict[str, Any],
    *,
    secret: str = SECRET,
    at: int | None = None,
    signature: str | None = None,
) -> Any:
    """POST a block_actions payload signed as Slack signs it."""
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = str(at if at is not None else int(time.time()))
    basestring = f"v0:{timestamp}:{body}".encode()
    signed = "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()
    return Browser(HTTP_HOST=host_of(tenant)).post(
        INTERACTIONS,
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=timestamp,
        HTTP_X_SLACK_SIGNATURE=signature or signed,
    )


def click(
    task: ApprovalTask,
    slack_id: str,
    verb: str = "approve",
    comment: str = "",
    *,
    response_url: str = "",
    email: str = "",
) -> dict[str, Any]:
    """A block_actions payload as Slack sends it: the user by id only (an `email` is what an
    impostor might add; it must never count)."""
    user = {"id": slack_id, "username": "someone", "team_id": "T0SPENDGATE"}
    if email:
        user["email"] = email
    return {
        "type": "block_actions",
        "team": {"id": "T0SPENDGATE", "domain": "spendgate"},
        "user": user,
        "response_url": response_url,
        "actions": [{"action_id": verb, "block_id": "decision", "value": str(task.pk)}],
        "state": {
            "values": {"comment": {"comment": {"type": "plain_text_input", "value": comment}}}
        },
    }


def answers(receiver: Receiver) -> list[str]:
    """What the people who clicked were told, at the clicks' response_url."""
    told = []
    for _headers, body, path in receiver.got:
        if path == RESPOND:
            message = json.loads(body)
            assert (message["response_type"], message["replace_original"]) == ("ephemeral", False)
            told.append(message["text"])
    return told


def _state(in_tenant: Any, org: Any, task: ApprovalTask) -> tuple[str, list[str]]:
    with in_tenant(org.tenant):
        channels = [
            e.data["channel"]
            for e in AuditEvent.objects.filter(
                action__in=["approval.approved", "approval.rejected"]
            )
            if e.data.get("task") == str(task.pk)
        ]
        return ApprovalTask.objects.get(pk=task.pk).status, channels


def test_the_slack_message_has_buttons_and_a_signed_click_decides_with_channel_slack(
    org: Any,
    in_tenant: Any,
    slack: Receiver,
    posted: tuple[ApprovalTask, list[Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    task, (message, _teams) = posted
    buttons = [
        b for block in message["blocks"] if block["type"] == "actions" for b in block["elements"]
    ]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("approve", str(task.pk)),
        ("reject", str(task.pk)),
    ]
    assert "5000.00 USD" in message["blocks"][0]["text"]["text"]
    with in_tenant(org.tenant):
        User.objects.filter(pk=org.manager.pk).update(language="de")
    manager = slack_user(slack, "U0MANAGER", org.manager.email)
    with django_capture_on_commit_callbacks(execute=True):
        answer = slack_click(org.tenant, click(task, manager, response_url=slack.base + RESPOND))
    assert answer.status_code == 200, answer.content
    assert answer.json()["response_type"] == "ephemeral"
    assert _state(in_tenant, org, task) == ("approved", ["slack"])
    # Slack was asked who U0MANAGER is, with the bot token, through the outbound guard
    [(headers, path)] = slack.asked
    assert path == "/api/users.info?user=U0MANAGER"
    assert headers["authorization"] == f"Bearer {BOT_TOKEN}"
    # and the approver is told, in German, where Slack shows it: the response_url
    assert answers(slack) == ["Genehmigt."]


def test_a_slack_reject_needs_the_comment_box(
    org: Any,
    in_tenant: Any,
    slack: Receiver,
    posted: tuple[ApprovalTask, list[Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    task, _posts = posted
    manager = slack_user(slack, "U0MANAGER", org.manager.email)
    respond = slack.base + RESPOND
    with django_capture_on_commit_callbacks(execute=True):
        unexplained = slack_click(org.tenant, click(task, manager, "reject", response_url=respond))
    assert unexplained.json()["text"] == "Say why you reject it."
    assert _state(in_tenant, org, task) == ("open", [])
    with django_capture_on_commit_callbacks(execute=True):
        slack_click(org.tenant, click(task, manager, "reject", "Too dear.", response_url=respond))
    assert _state(in_tenant, org, task) == ("rejected", ["slack"])
    assert answers(slack) == ["Say why you reject it.", "Rejected."]


def test_wrongly_signed_stale_and_replayed_clicks_are_refused(
    org: Any, in_tenant: Any, slack: Receiver, posted: tuple[ApprovalTask, list[Any]]
) -> None:
    task, _posts = posted
    manager = slack_user(slack, "U0MANAGER", org.manager.email)
    payload = click(task, manager)
    assert slack_click(org.tenant, payload, secret="not-the-secret").status_code == 401
    assert slack_click(org.tenant, payload, signature="v0=" + "0" * 64).status_code == 401
    stale = slack_click(org.tenant, payload, at=int(time.time()) - 6 * 60)
    assert stale.status_code == 401
    assert _state(in_tenant, org, task) == ("open", [])
    assert slack.asked == []  # nobody is looked up for a request Slack did not sign

    # the same signed request twice: the second is a replay, whatever it asks
    at = int(time.time())
    assert slack_click(org.tenant, click(task, manager, "reject"), at=at).status_code == 200
    assert _state(in_tenant, org, task) == ("open", [])  # refused: no reason given
    replay = slack_click(org.tenant, click(task, manager, "reject"), at=at)
    assert replay.status_code == 409
    assert slack_click(org.tenant, payload).status_code == 200
    assert _state(in_tenant, org, task) == ("approved", ["slack"])


def test_an_unknown_slack_user_or_someone_else_decides_nothing(
    org: Any,
    in_tenant: Any,
    make_user: Any,
    slack: Receiver,
    posted: tuple[ApprovalTask, list[Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    task, _posts = posted
    respond = slack.base + RESPOND
    stranger = slack_user(slack, "U0STRANGER", "stranger@elsewhere.test")
    unknown = slack_click(org.tenant, click(task, stranger))
    assert unknown.status_code == 200 and "matches no active person" in unknown.json()["text"]
    gone = make_user(org.tenant, "gone", ["manager"])
    with in_tenant(org.tenant):
        type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    left = slack_user(slack, "U0GONE", gone.email)
    assert "matches no active person" in slack_click(org.tenant, click(task, left)).json()["text"]
    approver = slack_user(slack, "U0APPROVER", org.approver.email)
    other = slack_click(org.tenant, click(task, approver))
    assert other.json()["text"] == "This task is not in your inbox."
    assert _state(in_tenant, org, task) == ("open", [])
    # someone unknown is told in the organisation's language
    Tenant.objects.filter(pk=org.tenant.pk).update(default_language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        slack_click(org.tenant, click(task, stranger, response_url=respond))
    [told] = answers(slack)
    assert "aucune personne active" in told, told


def test_an_email_is_what_slack_confirms_never_what_the_click_says(
    org: Any,
    in_tenant: Any,
    slack: Receiver,
    posted: tuple[ApprovalTask, list[Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    task, _posts = posted
    respond = slack.base + RESPOND
    boss = org.manager.email
    # the click names the approver's address; Slack says the clicker is someone else
    impostor = slack_user(slack, "U0IMPOSTOR", "impostor@elsewhere.test")
    # the approver's address, but Slack has not confirmed that its user owns it
    unconfirmed = slack_user(slack, "U0UNCONFIRMED", boss, confirmed=False)
    # the approver's address without the scope that lets Slack tell it
    slack.slack_users["U0NOSCOPE"] = {"ok": True, "user": {"id": "U0NOSCOPE", "profile": {}}}
    with django_capture_on_commit_callbacks(execute=True):
        for slack_id in (impostor, unconfirmed, "U0NOSCOPE", "U0NOBODY"):
            answer = slack_click(
                org.tenant, click(task, slack_id, email=boss, response_url=respond)
            )
            assert answer.status_code == 200
    with (
        override_settings(SLACK_API_URL="http://127.0.0.1:9/api/"),  # Slack out of reach
        django_capture_on_commit_callbacks(execute=True),
    ):
        slack_click(org.tenant, click(task, "U0ANYONE", email=boss, response_url=respond))
    assert _state(in_tenant, org, task) == ("open", [])
    told = answers(slack)
    assert len(told) == 5, told
    assert "matches no active person" in told[0]
    assert "no confirmed e-mail address" in told[1] and "no confirmed e-mail address" in told[2]
    assert "Slack did not tell who you are (user_not_found)" in told[3]
    assert "Slack could not be asked who you are" in told[4]
    assert all("Nothing was decided" in t or "nothing was decided" in t for t in told)


def test_no_bot_token_decides_nothing_and_says_why(
    org: Any,
    in_tenant: Any,
    slack: Receiver,
    posted: tuple[ApprovalTask, list[Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    task, _posts = posted
    manager = slack_user(slack, "U0MANAGER", org.manager.email)
    with in_tenant(org.tenant):  # set up before bot tokens were asked for
        ChatApprovals.objects.update(slack_bot_token_encrypted="")
    with django_capture_on_commit_callbacks(execute=True):
        answer = slack_click(
            org.tenant,
            click(task, manager, email=org.manager.email, response_url=slack.base + RESPOND),
        )
    assert answer.status_code == 200
    assert _state(in_tenant, org, task) == ("open", [])
    assert slack.asked == []
    assert answers(slack) == [
        "Slack approvals cannot tell who you are: the Slack app's bot token is not set up "
        "here. Nothing was decided; decide in your inbox."
    ]


def test_the_answer_goes_only_to_slacks_own_hosts(
    org: Any,
    in_tenant: Any,
    slack: Receiver,
    posted: tuple[ApprovalTask, list[Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    task, _posts = posted
    manager = slack_user(slack, "U0MANAGER", org.manager.email)
    before = len(slack.got)
    with (
        override_settings(SLACK_RESPONSE_HOSTS=("hooks.slack.com",)),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        for elsewhere in (
            slack.base + RESPOND,  # this network, not Slack's host
            "https://user:pw@hooks.slack.com/actions/T0/1/x",
            "http://hooks.slack.com/actions/T0/1/x",  # not https
            "https://hooks.slack.com.evil.test/actions/T0/1/x",
        ):
            slack_click(org.tenant, click(task, manager, "reject", response_url=elsewhere))
        slack_click(org.tenant, click(task, manager, response_url=slack.base + RESPOND))
    assert len(callbacks) >= 5  # each click's answer waited for the commit
    assert _state(in_tenant, org, task) == ("approved", ["slack"])  # the click itself counts
    assert slack.got[before:] == []  # nothing was posted anywhere else


def test_the_teams_card_opens_the_confirm_pages_for_the_approver_signed_in(
    org: Any, in_tenant: Any, posted: tuple[ApprovalTask, list[Any]]
) -> None:
    task, (_slack, teams) = posted
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    actions = card["content"]["actions"]
    assert [a["type"] for a in actions] == ["Action.OpenUrl", "Action.OpenUrl"]
    approve = urlsplit(actions[0]["url"]).path
    assert approve.startswith("/approvals/")
    # the card is read by the whole channel: its link is no credential on its own
    assert Browser(HTTP_HOST=host_of(org.tenant)).post(approve, {}).status_code == 403
    assert _state(in_tenant, org, task) == ("open", [])
    manager = signed_in(org.tenant, org.manager)
    assert manager.get(approve).status_code == 200
    assert manager.post(approve, {}).status_code == 200
    assert _state(in_tenant, org, task) == ("approved", ["teams"])


def test_only_a_tenant_admin_sets_chat_up_and_addresses_are_guarded(
    org: Any, in_tenant: Any
) -> None:
    with in_tenant(org.tenant):
        with pytest.raises(PermissionRefused), transaction.atomic():
            chat_settings_save(
                actor=org.manager,
                slack_webhook_url="",
                slack_signing_secret="",
                slack_bot_token="",
                teams_webhook_url="",
            )
        with pytest.raises(ValidationFailed) as refused, transaction.atomic():
            chat_settings_save(
                actor=org.admin,
                slack_webhook_url="http://127.0.0.1:9/hook",
                slack_signing_secret="",
                slack_bot_token="",
                teams_webhook_url="",
            )
        assert set(refused.value.errors or {}) == {"slack_webhook_url"}  # this network
        with (
            override_settings(WEBHOOK_ALLOW_LOOPBACK=True),
            pytest.raises(ValidationFailed) as refused,
            transaction.atomic(),
        ):
            chat_settings_save(
                actor=org.admin,
                slack_webhook_url="http://127.0.0.1:9/hook",
                slack_signing_secret="",
                slack_bot_token="",
                teams_webhook_url="",
            )
        assert set(refused.value.errors or {}) == {"slack_signing_secret", "slack_bot_token"}
        with (
            override_settings(WEBHOOK_ALLOW_LOOPBACK=True),
            pytest.raises(ValidationFailed) as refused,
            transaction.atomic(),
        ):
            chat_settings_save(
                actor=org.admin,
                slack_webhook_url="http://127.0.0.1:9/hook",
                slack_signing_secret=SECRET,
                slack_bot_token="xoxp-a-user-token",
                teams_webhook_url="",
            )
        assert (refused.value.errors or {}) == {
            "slack_bot_token": ["This is not a Slack bot token: a bot token starts with xoxb-."]
        }
        assert not ChatApprovals.objects.exists()


def test_the_integrations_page_sets_chat_up_and_keeps_the_secrets_hidden(
    org: Any, in_tenant: Any, receiver: Receiver
) -> None:
    admin = signed_in(org.tenant, org.admin)
    saved = admin.post(
        "/settings/integrations/chat/",
        {
            "slack_webhook_url": receiver.url,
            "slack_signing_secret": SECRET,
            "slack_bot_token": BOT_TOKEN,
            "teams_webhook_url": "",
        },
    )
    assert saved.status_code == 302
    page = admin.get("/settings/integrations/").content.decode()
    assert 'data-testid="chat-approvals"' in page and receiver.url in page
    assert SECRET not in page and BOT_TOKEN not in page
    assert 'name="slack_bot_token"' in page
    # a blank keeps what is stored
    admin.post(
        "/settings/integrations/chat/",
        {"slack_webhook_url": receiver.url, "slack_signing_secret": "", "slack_bot_token": ""},
    )
    with in_tenant(org.tenant):
        chat = ChatApprovals.objects.get()
        assert (
            chat.slack_signing_secret_encrypted
            and SECRET not in chat.slack_signing_secret_encrypted
        )
        assert BOT_TOKEN not in chat.slack_bot_token_encrypted
        assert decrypt(chat.slack_bot_token_encrypted) == BOT_TOKEN
        events = AuditEvent.objects.filter(action="chat_approvals.updated").order_by("at")
        assert [e.after["slack_bot_token_changed"] for e in events] == [True, False]
        trail = json.dumps([[e.after, e.data] for e in events])
        assert SECRET not in trail and BOT_TOKEN not in trail
    requester = signed_in(org.tenant, org.requester)
    assert requester.post("/settings/integrations/chat/", {}).status_code == 403
