"""Approvals in Slack and Teams (docs/integrations.md, "Approvals by e-mail, Slack and Teams").

A tenant admin names a Slack incoming webhook with the Slack app's signing secret and bot token,
and a Teams incoming webhook. Each task assigned is posted to both: to Slack as a Block Kit message
with Approve and Reject buttons (and a comment box, since a rejection needs a reason), to
Teams as an Adaptive Card whose buttons open the single-use confirm pages of
apps/workflow/links.py. Every post goes through the outbound guard. A button clicked in Slack
comes back to `slack_interaction`: Slack's signature checked (slack-sdk's SignatureVerifier:
HMAC over the v0 basestring, the timestamp within 5 minutes), a replay refused, the Slack
user matched to an active person of this tenant by the e-mail Slack itself confirms for them
(Web API `users.info` with the bot token; a click's payload carries no e-mail, and one placed in
it is never read), then the same decision services as the inbox, recorded with channel `slack`.
Slack ignores the body of the answer to a click: what the person is told is posted, after the
decision is committed, to the click's `response_url`, on Slack's own hosts only.
"""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from slack_sdk.signature import SignatureVerifier

from apps.accounts.language import in_language_of
from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import ApplicationError, ValidationFailed
from apps.events.services import event_record
from apps.suppliers.secrets import decrypt, encrypt
from apps.workflow.links import essentials, essentials_lines, links_issue
from apps.workflow.models import ApprovalLink, ApprovalTask
from apps.workflow.services import task_approve, task_reject

from ..models import ChatApprovals, SlackInteraction
from ..webhooks.guard import TIMEOUT, session_for, url_check

log = structlog.get_logger("spendgate.chat")
# Slack waits 3 s for the answer to a click: it is asked who clicked, and told, briefly
SLACK_TIMEOUT = (2, 2)


def chat_settings() -> ChatApprovals:
    return ChatApprovals.objects.order_by("pk").first() or ChatApprovals()


@transaction.atomic
def chat_settings_save(
    *,
    actor: User,
    slack_webhook_url: str,
    slack_signing_secret: str,
    slack_bot_token: str,
    teams_webhook_url: str,
) -> ChatApprovals:
    """Set where approvals are posted. A blank signing secret or bot token keeps the one
    stored; neither is shown again nor written to the trail."""
    require(actor, "accounts.manage_webhooks")
    chat = ChatApprovals.objects.select_for_update().order_by("pk").first() or ChatApprovals()
    errors: dict[str, list[str]] = {}
    urls = {"slack_webhook_url": slack_webhook_url, "teams_webhook_url": teams_webhook_url}
    for field, url in urls.items():
        try:
            setattr(chat, field, url_check(url) if url.strip() else "")
        except ApplicationError as refusal:
            errors[field] = [refusal.detail]
    if slack_signing_secret.strip():
        chat.slack_signing_secret_encrypted = encrypt(slack_signing_secret.strip())
    if slack_bot_token.strip().startswith("xoxb-"):
        chat.slack_bot_token_encrypted = encrypt(slack_bot_token.strip())
    elif slack_bot_token.strip():
        errors["slack_bot_token"] = [
            _("This is not a Slack bot token: a bot token starts with xoxb-.")
        ]
    if chat.slack_webhook_url and not chat.slack_signing_secret_encrypted:
        errors["slack_signing_secret"] = [
            _("Give the Slack app's signing secret: it proves the button clicks come from Slack.")
        ]
    if (
        chat.slack_webhook_url
        and not chat.slack_bot_token_encrypted
        and not errors.get("slack_bot_token")
    ):
        errors["slack_bot_token"] = [
            _(
                "Give the Slack app's bot token (scope users:read.email): Slack tells it the "
                "confirmed e-mail address of whoever clicks."
            )
        ]
    if errors:
        raise ValidationFailed(errors=errors)
    chat.save()
    event_record(
        actor=actor,
        action="chat_approvals.updated",
        subject_type="chat_approvals",
        subject_id=chat.pk,
        after={
            "slack_webhook_url": chat.slack_webhook_url,
            "slack_signing_secret_changed": bool(slack_signing_secret.strip()),
            "slack_bot_token_changed": bool(slack_bot_token.strip()),
            "teams_webhook_url": chat.teams_webhook_url,
        },
    )
    return chat


def chat_configured() -> bool:
    chat = chat_settings()
    return bool(chat.slack_webhook_url or chat.teams_webhook_url)


# --------------------------------------------------------------------------- posting
def slack_message(task: ApprovalTask) -> dict[str, Any]:
    """The Block Kit message of one task, in its approver's language."""
    facts = essentials(task)
    with in_language_of(task.assignee):
        title = _("Approval needed: %(title)s") % {"title": facts["title"]}
        lines = [_("For %(who)s") % {"who": task.assignee.email}, *essentials_lines(facts)]
        comment_label = _("Comment (needed to reject)")
        approve, reject = _("Approve"), _("Reject")
    task_id = str(task.pk)
    return {
        "text": title,
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{title}*\n" + "\n".join(lines)},
            },
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": {"type": "plain_text", "text": comment_label},
                "element": {"type": "plain_text_input", "action_id": "comment"},
            },
            {
                "type": "actions",
                "block_id": "decision",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": approve},
                        "value": task_id,
                    },
                    {
                        "type": "button",
                        "action_id": "reject",
                        "style": "danger",
                        "text": {"type": "plain_text", "text": reject},
                        "value": task_id,
                    },
                ],
            },
        ],
    }


def teams_card(task: ApprovalTask, links: Mapping[str, str]) -> dict[str, Any]:
    """The Adaptive Card of one task: its buttons open the single-use confirm pages."""
    facts = essentials(task)
    with in_language_of(task.assignee):
        title = _("Approval needed: %(title)s") % {"title": facts["title"]}
        lines = [_("For %(who)s") % {"who": task.assignee.email}, *essentials_lines(facts)]
        approve, reject = _("Approve"), _("Reject")
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True},
                        *({"type": "TextBlock", "text": line, "wrap": True} for line in lines),
                    ],
                    "actions": [
                        {"type": "Action.OpenUrl", "title": approve, "url": links["approve"]},
                        {"type": "Action.OpenUrl", "title": reject, "url": links["reject"]},
                    ],
                },
            }
        ],
    }


def _post(url: str, body: dict[str, Any], *, timeout: tuple[float, float] = TIMEOUT) -> None:
    """One post through the outbound guard; a failure is logged (the inbox and the e-mail
    still carry the task)."""
    try:
        checked = url_check(url)
        response = session_for(checked).post(checked, json=body, timeout=timeout)  # type: ignore[attr-defined]
        if response.status_code >= 300:
            log.warning("chat_post_refused", status=response.status_code)
    except (ApplicationError, requests.RequestException) as exc:
        log.warning("chat_post_failed", error=str(exc)[:200])


def approval_cards_post(task_ids: list[str]) -> int:
    """Post each open task to Slack and Teams, as configured; returns how many posts."""
    chat = chat_settings()
    if not (chat.slack_webhook_url or chat.teams_webhook_url):
        return 0
    posts = 0
    tasks = ApprovalTask.objects.filter(
        pk__in=task_ids, status=ApprovalTask.Status.OPEN
    ).select_related("assignee", "on_behalf_of", "step__route__requester")
    for task in tasks:
        if chat.slack_webhook_url:
            _post(chat.slack_webhook_url, slack_message(task))
            posts += 1
        if chat.teams_webhook_url:
            with transaction.atomic():
                links = links_issue(task, channel=ApprovalLink.Channel.TEAMS)
            if links:
                _post(chat.teams_webhook_url, teams_card(task, links))
                posts += 1
    return posts


# --------------------------------------------------------------------------- Slack's clicks
@dataclass(frozen=True)
class SlackAnswer:
    """What the interaction endpoint answers: an HTTP status and the ephemeral message to the
    person who clicked (posted to the click's `response_url`; Slack ignores the body)."""

    status: int
    text: str

    def body(self) -> dict[str, Any]:
        return {"response_type": "ephemeral", "replace_original": False, "text": self.text}


class _Unvouched(Exception):
    """Slack did not vouch for who clicked; the sentence says why."""


def _comment(payload: Mapping[str, Any]) -> str:
    values = (payload.get("state") or {}).get("values") or {}
    for block in values.values():
        for action_id, element in (block or {}).items():
            if action_id == "comment":
                return str((element or {}).get("value") or "")
    return ""


def _confirmed_email(chat: ChatApprovals, slack_user_id: str) -> str:
    """The e-mail address Slack itself confirms for this Slack user (Web API `users.info`,
    asked with the tenant's bot token through the outbound guard), else `_Unvouched`."""
    if not chat.slack_bot_token_encrypted:
        raise _Unvouched(
            _(
                "Slack approvals cannot tell who you are: the Slack app's bot token is not set "
                "up here. Nothing was decided; decide in your inbox."
            )
        )
    unreachable = _(
        "Slack could not be asked who you are just now. Nothing was decided; try again, or "
        "decide in your inbox."
    )
    try:
        url = url_check(settings.SLACK_API_URL + "users.info")
        response = session_for(url).get(  # type: ignore[attr-defined]
            url,
            params={"user": slack_user_id},
            headers={"Authorization": f"Bearer {decrypt(chat.slack_bot_token_encrypted)}"},
            timeout=SLACK_TIMEOUT,
        )
        found = response.json()
    except (ApplicationError, requests.RequestException, ValueError) as exc:
        log.warning("slack_users_info_failed", error=str(exc)[:200])
        raise _Unvouched(unreachable) from exc
    if not isinstance(found, dict) or found.get("ok") is not True:
        error = str(found.get("error") or "") if isinstance(found, dict) else ""
        log.warning("slack_users_info_refused", status=response.status_code, error=error[:100])
        raise _Unvouched(
            _(
                "Slack did not tell who you are (%(error)s). Nothing was decided; the Slack "
                "app's bot token and its users:read.email scope may need checking."
            )
            % {"error": error[:100] or response.status_code}
        )
    user = found.get("user")
    user = user if isinstance(user, dict) else {}
    profile = user.get("profile")
    email = profile.get("email") if isinstance(profile, dict) else None
    if user.get("is_email_confirmed") is not True or not isinstance(email, str) or not email:
        raise _Unvouched(
            _(
                "Slack has no confirmed e-mail address for you, so you cannot decide from "
                "Slack. Nothing was decided; decide in your inbox."
            )
        )
    return email


def _slack_decision(chat: ChatApprovals, payload: Mapping[str, Any]) -> SlackAnswer:
    """The click decided as the person Slack vouches for, answered in their language (the
    organisation's while nobody is known)."""
    with in_language_of(None):
        try:
            action = payload["actions"][0]
            verb, task_id = str(action["action_id"]), uuid.UUID(str(action["value"]))
            slack_user_id = str(payload["user"]["id"])
        except (KeyError, IndexError, ValueError, TypeError):
            return SlackAnswer(400, _("This is not an approval button of ours."))
        try:
            email = _confirmed_email(chat, slack_user_id)
        except _Unvouched as unvouched:
            return SlackAnswer(200, str(unvouched))
        person = User.objects.with_identity(email).filter(is_active=True).first()
        if person is None:
            return SlackAnswer(
                200, _("Your Slack user matches no active person here; nothing was decided.")
            )
    with in_language_of(person):
        try:
            if verb == "approve":
                task_approve(
                    actor=person, task_id=task_id, comment=_comment(payload), channel="slack"
                )
                return SlackAnswer(200, _("Approved."))
            if verb == "reject":
                task_reject(
                    actor=person, task_id=task_id, comment=_comment(payload), channel="slack"
                )
                return SlackAnswer(200, _("Rejected."))
        except ApplicationError as refusal:
            return SlackAnswer(200, refusal.text())
        return SlackAnswer(400, _("This is not an approval button of ours."))


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _answer_post(response_url: str, answer: SlackAnswer) -> None:
    """The answer, to the person who clicked: to the click's `response_url`, only on a host
    of `SLACK_RESPONSE_HOSTS` over https (http to loopback only where webhooks may reach it,
    the tests' and the demo's receiver), and through the outbound guard."""
    try:
        parts = urlsplit(response_url)
        host, scheme, _port = (parts.hostname or "").lower(), parts.scheme, parts.port
        credentials = bool(parts.username or parts.password)
    except ValueError:
        host, scheme, credentials = "", "", False
    secure = scheme == "https" or (
        scheme == "http" and settings.WEBHOOK_ALLOW_LOOPBACK and _is_loopback(host)
    )
    allowed = {h.lower() for h in settings.SLACK_RESPONSE_HOSTS}
    if not (host and host in allowed and secure) or credentials:
        log.warning("slack_response_url_refused", host=host[:100])
        return
    _post(response_url, answer.body(), timeout=SLACK_TIMEOUT)


def slack_interaction(*, body: bytes, headers: Mapping[str, str]) -> SlackAnswer:
    """A button clicked in a Slack approval message, exactly as Slack sent it."""
    chat = chat_settings()
    if not chat.slack_signing_secret_encrypted:
        return SlackAnswer(404, _("Slack approvals are not set up here."))
    verifier = SignatureVerifier(decrypt(chat.slack_signing_secret_encrypted))
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    # the HMAC over v0:timestamp:body, and the timestamp within 5 minutes of now
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        return SlackAnswer(401, _("This request is not signed by Slack, or it is too old."))
    # what is older than the 5 minutes is refused by its timestamp: no need to remember it
    SlackInteraction.objects.filter(timestamp__lt=int(time.time()) - 600).delete()
    try:
        with transaction.atomic():
            SlackInteraction.objects.create(signature=signature, timestamp=int(timestamp))
    except IntegrityError:
        return SlackAnswer(409, _("This click was already answered."))
    try:
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        if not isinstance(payload, dict):
            raise TypeError("the payload is not an object")
    except (KeyError, IndexError, ValueError, TypeError, UnicodeDecodeError):
        return SlackAnswer(400, _("This is not an approval button of ours."))
    answer = _slack_decision(chat, payload)
    response_url = payload.get("response_url")
    if isinstance(response_url, str) and response_url:
        # told once the decision is committed, never about one rolled back
        transaction.on_commit(lambda: _answer_post(response_url, answer))
    return answer
