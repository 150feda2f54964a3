"""Deciding an approval task where the approver is (docs/integrations.md, "Approvals by e-mail,
Slack and Teams").

When a task is assigned (a step opens, a task is delegated, escalated or handed over), its
assignee is e-mailed in their language with the request's essentials and two links, approve
and reject. A link is a random token kept only as its hash: single-use, expiring
(APPROVAL_LINK_HOURS), bound to the task and the person. It opens a confirm page (GET changes
nothing: mail scanners follow links); the POST checks the link again and decides through the
same services as the inbox (`task_approve`, `task_reject`: the task's state and segregation of
duties), recorded with the link's channel. Teams cards carry the same links. Other channels
(Slack, Teams) hear of assignments the same way: `register_assignment_listener`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.language import in_language_of
from apps.accounts.models import User
from apps.controls.refusals import PermissionRefused
from apps.controls.stored_sentences import reread
from apps.tenancy.selectors import portal_url

from .models import ApprovalLink, ApprovalTask
from .services import subject_summaries, task_approve, task_reject


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def links_issue(task: ApprovalTask, *, channel: str) -> dict[str, str]:
    """A fresh approve and reject link for the task's assignee ({} without a portal URL)."""
    base = portal_url()
    if not base:
        return {}
    expires_at = timezone.now() + timedelta(hours=settings.APPROVAL_LINK_HOURS)
    links = {}
    for verb in ApprovalLink.Verb.values:
        token = secrets.token_urlsafe(32)
        ApprovalLink.objects.create(
            task=task,
            person_id=task.assignee_id,
            verb=verb,
            channel=channel,
            token_hash=token_hash(token),
            expires_at=expires_at,
        )
        links[verb] = f"{base.rstrip('/')}/approvals/{token}/"
    return links


def essentials(task: ApprovalTask) -> dict[str, Any]:
    """What the approver reads before deciding, for mail and chat: the request, its amount,
    who asked, why them and by when."""
    summary = subject_summaries([task]).get((task.subject_type, task.subject_id)) or {}
    title = " ".join(str(p) for p in (summary.get("number"), summary.get("title")) if p)
    total = summary.get("total")
    amount = f"{total} {summary.get('currency') or ''}".strip() if total else ""
    step = task.step
    return {
        "title": title or f"{task.subject_type} {task.subject_id}",
        "amount": amount,
        "requester": summary.get("requester") or step.route.requester.email,
        "cost_center": summary.get("cost_center") or "",
        "supplier": summary.get("supplier") or "",
        "reason": step.reason,
        "due": timezone.localtime(step.due_at) if step.due_at else None,
        "on_behalf_of": task.on_behalf_of.email if task.on_behalf_of else "",
    }


def essentials_lines(facts: dict[str, Any]) -> list[str]:
    """The essentials as lines of text, in the active language."""
    labels = [
        ("amount", _("Amount")),
        ("requester", _("Requested by")),
        ("cost_center", _("Cost center")),
        ("supplier", _("Supplier")),
        ("reason", _("Why you")),
        ("due", _("Due")),
        ("on_behalf_of", _("On behalf of")),
    ]
    shown = {
        **facts,
        "reason": reread(facts.get("reason") or ""),  # stored in the language of its moment
        "due": date_format(facts["due"], "SHORT_DATETIME_FORMAT") if facts.get("due") else "",
    }
    # "Label: value" as the language writes it (French puts a space before the colon)
    return [
        _("%(label)s: %(value)s") % {"label": label, "value": shown[key]}
        for key, label in labels
        if shown.get(key)
    ]


def mail_assigned(task_ids: list[str]) -> None:
    """After the commit that assigned them: e-mail each open task's assignee, in their
    language, the request's essentials and a fresh approve and reject link."""
    tasks = ApprovalTask.objects.filter(
        pk__in=task_ids, status=ApprovalTask.Status.OPEN
    ).select_related("assignee", "on_behalf_of", "step__route__requester")
    for task in tasks:
        if not task.assignee.email:
            continue
        with transaction.atomic():
            links = links_issue(task, channel=ApprovalLink.Channel.EMAIL)
        if not links:
            continue
        facts = essentials(task)
        with in_language_of(task.assignee):  # the approver's language, not the requester's
            subject = _("Approval needed: %(title)s") % {"title": facts["title"]}
            body = "\n".join(
                [
                    _("%(title)s waits for your decision.") % {"title": facts["title"]},
                    "",
                    *essentials_lines(facts),
                    "",
                    _("Approve: %(link)s") % {"link": links["approve"]},
                    _("Reject: %(link)s") % {"link": links["reject"]},
                    "",
                    _(
                        "Each link opens a page where you confirm; it works once, for you "
                        "only, for %(hours)d hours."
                    )
                    % {"hours": settings.APPROVAL_LINK_HOURS},
                ]
            )
        send_mail(subject, body, None, [task.assignee.email])


# --------------------------------------------------------------------------- using a link
def _refused(text: str) -> PermissionRefused:
    return PermissionRefused(text)


def link_of(token: str, *, viewer: Any = None, lock: bool = False) -> ApprovalLink:
    """The link a token stands for, refused when it is unknown, used, expired, no longer for
    its task's assignee, or opened by someone signed in as another person."""
    links = ApprovalLink.objects.select_related("task__step__route", "person")
    if lock:
        links = links.select_for_update(of=("self",))
    link = links.filter(token_hash=token_hash(token or "")).first()
    if link is None:
        raise _refused(_("This approval link is not valid."))
    if getattr(viewer, "is_authenticated", False) and viewer.pk != link.person_id:
        raise _refused(_("This link is for someone else; sign out to use it."))
    if link.channel == ApprovalLink.Channel.TEAMS and not getattr(
        viewer, "is_authenticated", False
    ):
        # a Teams card is read by everyone in its channel: its link works for its approver
        # signed in, never as a credential of its own
        raise _refused(_("Sign in as %(who)s to use this link.") % {"who": link.person.email})
    if link.used_at is not None:
        raise _refused(_("This approval link was already used."))
    if link.expires_at <= timezone.now():
        raise _refused(_("This approval link has expired; decide in your inbox."))
    if link.task.assignee_id != link.person_id or not link.person.is_active:
        raise _refused(_("This approval link is no longer yours to use."))
    return link


def link_decide(*, token: str, viewer: Any = None, comment: str = "") -> ApprovalTask:
    """Decide the link's task as the link's person, through the inbox's services (the task
    must be open and theirs, segregation of duties is checked again). The link and its
    sibling are used up once the decision is made."""
    link = link_of(token, viewer=viewer)
    person: User = link.person
    if link.verb == ApprovalLink.Verb.APPROVE:
        task = task_approve(
            actor=person, task_id=link.task_id, comment=comment, channel=link.channel
        )
    else:
        task = task_reject(
            actor=person, task_id=link.task_id, comment=comment, channel=link.channel
        )
    # the task's row lock made this the one decision; the task's links are spent with it
    ApprovalLink.objects.filter(task_id=link.task_id, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return task
