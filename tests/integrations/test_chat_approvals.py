"""Approvals in Slack and Teams: a tenant admin names the incoming webhooks and Slack's signing
secret; each task assigned is posted (through the outbound guard, to a real local receiver);
Slack's button clicks come back signed exactly as Slack signs them (v0 basestring, HMAC-SHA256)
and decide through the inbox's services with channel `slack`; Teams cards open the single-use
confirm pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.test import override_settings

from apps.audit.models import AuditEvent
from apps.controls.refusals import PermissionRefused, ValidationFailed
from apps.integrations.models import ChatApprovals
from apps.integrations.services.chat import approval_cards_post, chat_settings_save
from apps.workflow.models import ApprovalTask
from tests import world
from tests.conftest import host_of
from tests.integrations.conftest import Receiver, signed_in

pytestmark = pytest.mark.django_db
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
INTERACTIONS = "/integrations/slack/interactions/"


@pytest.fixture
def posted(org: Any, in_tenant: Any, receiver: Receiver) -> tuple[ApprovalTask, list[Any]]:
    """Slack and Teams set up by the tenant admin; one task assigned and posted to both."""
    with in_tenant(org.tenant):
        chat_settings_save(
            actor=org.admin,
            slack_webhook_url=receiver.url,
            slack_signing_secret=SECRET,
            teams_webhook_url=receiver.url + "/teams",
        )
        _requisition, task = world.pending(org.requester)
        assert approval_cards_post([str(task.pk)]) == 2
    return task, [json.loads(body) for _headers, body, _path in receiver.got]


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
    task: ApprovalTask, email: str, verb: str = "approve", comment: str = ""
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": "U0123", "username": "someone", "email": email},
        "actions": [{"action_id": verb, "block_id": "decision", "value": str(task.pk)}],
        "state": {
            "values": {"comment": {"comment": {"type": "plain_text_input", "value": comment}}}
        },
    }


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
    org: Any, in_tenant: Any, posted: tuple[ApprovalTask, list[Any]]
) -> None:
    task, (slack, _teams) = posted
    buttons = [
        b for block in slack["blocks"] if block["type"] == "actions" for b in block["elements"]
    ]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("approve", str(task.pk)),
        ("reject", str(task.pk)),
    ]
    assert "5000.00 USD" in slack["blocks"][0]["text"]["text"]
    answer = slack_click(org.tenant, click(task, org.manager.email))
    assert answer.status_code == 200, answer.content
    assert answer.json()["response_type"] == "ephemeral"
    assert _state(in_tenant, org, task) == ("approved", ["slack"])


def test_a_slack_reject_needs_the_comment_box(
    org: Any, in_tenant: Any, posted: tuple[ApprovalTask, list[Any]]
) -> None:
    task, _posts = posted
    unexplained = slack_click(org.tenant, click(task, org.manager.email, "reject"))
    assert unexplained.json()["text"] == "Say why you reject it."
    assert _state(in_tenant, org, task) == ("open", [])
    slack_click(org.tenant, click(task, org.manager.email, "reject", "Too dear."))
    assert _state(in_tenant, org, task) == ("rejected", ["slack"])


def test_wrongly_signed_stale_and_replayed_clicks_are_refused(
    org: Any, in_tenant: Any, posted: tuple[ApprovalTask, list[Any]]
) -> None:
    task, _posts = posted
    payload = click(task, org.manager.email)
    assert slack_click(org.tenant, payload, secret="not-the-secret").status_code == 401
    assert slack_click(org.tenant, payload, signature="v0=" + "0" * 64).status_code == 401
    stale = slack_click(org.tenant, payload, at=int(time.time()) - 6 * 60)
    assert stale.status_code == 401
    assert _state(in_tenant, org, task) == ("open", [])

    # the same signed request twice: the second is a replay, whatever it asks
    at = int(time.time())
    assert (
        slack_click(org.tenant, click(task, org.manager.email, "reject"), at=at).status_code == 200
    )
    assert _state(in_tenant, org, task) == ("open", [])  # refused: no reason given
    replay = slack_click(org.tenant, click(task, org.manager.email, "reject"), at=at)
    assert replay.status_code == 409
    assert slack_click(org.tenant, payload).status_code == 200
    assert _state(in_tenant, org, task) == ("approved", ["slack"])


def test_an_unknown_slack_user_or_someone_else_decides_nothing(
    org: Any, in_tenant: Any, make_user: Any, posted: tuple[ApprovalTask, list[Any]]
) -> None:
    task, _posts = posted
    unknown = slack_click(org.tenant, click(task, "stranger@elsewhere.test"))
    assert unknown.status_code == 200 and "matches no active person" in unknown.json()["text"]
    gone = make_user(org.tenant, "gone", ["manager"])
    with in_tenant(org.tenant):
        type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    assert (
        "matches no active person"
        in slack_click(org.tenant, click(task, gone.email)).json()["text"]
    )
    other = slack_click(org.tenant, click(task, org.approver.email))
    assert other.json()["text"] == "This task is not in your inbox."
    assert _state(in_tenant, org, task) == ("open", [])


def test_another_tenants_host_does_not_take_this_tenants_clicks(
    org: Any, in_tenant: Any, tenant_b: Any, posted: tuple[ApprovalTask, list[Any]]
) -> None:
    task, _posts = posted
    assert slack_click(tenant_b, click(task, org.manager.email)).status_code == 404
    assert _state(in_tenant, org, task) == ("open", [])


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
                teams_webhook_url="",
            )
        with pytest.raises(ValidationFailed) as refused, transaction.atomic():
            chat_settings_save(
                actor=org.admin,
                slack_webhook_url="http://127.0.0.1:9/hook",
                slack_signing_secret="",
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
                teams_webhook_url="",
            )
        assert set(refused.value.errors or {}) == {"slack_signing_secret"}
        assert not ChatApprovals.objects.exists()


def test_the_integrations_page_sets_chat_up_and_keeps_the_secret_hidden(
    org: Any, in_tenant: Any, receiver: Receiver
) -> None:
    admin = signed_in(org.tenant, org.admin)
    saved = admin.post(
        "/settings/integrations/chat/",
        {
            "slack_webhook_url": receiver.url,
            "slack_signing_secret": SECRET,
            "teams_webhook_url": "",
        },
    )
    assert saved.status_code == 302
    page = admin.get("/settings/integrations/").content.decode()
    assert 'data-testid="chat-approvals"' in page and receiver.url in page and SECRET not in page
    with in_tenant(org.tenant):
        chat = ChatApprovals.objects.get()
        assert (
            chat.slack_signing_secret_encrypted
            and SECRET not in chat.slack_signing_secret_encrypted
        )
        event = AuditEvent.objects.filter(action="chat_approvals.updated").latest("at")
        assert SECRET not in json.dumps([event.after, event.data])
    requester = signed_in(org.tenant, org.requester)
    assert requester.post("/settings/integrations/chat/", {}).status_code == 403
