"""The approver's inbox: tasks with the context to decide, one-click approve or reject, and
out-of-office hand-over."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.accounts.language import in_language_of
from apps.accounts.models import User
from apps.accounts.pages import require_page
from apps.api.pages import Confirm, confirm_first, refusal_caught, refusal_shown, with_feedback
from apps.controls.refusals import ValidationFailed

from . import links, selectors, services
from .models import ApprovalTask, Delegation


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "tasks")
    user = current_user(request)
    status = request.GET.get("status", "open")
    tasks = selectors.tasks_of(user, status=status or None)
    page = Paginator(tasks, 25).get_page(request.GET.get("page"))
    summaries = services.subject_summaries(list(page))
    rows = [(task, summaries.get((task.subject_type, task.subject_id))) for task in page]
    delegations = (
        Delegation.objects.filter(user=user, ends_on__gte=timezone.localdate())
        .select_related("delegate")
        .order_by("starts_on")
    )
    colleagues = (
        User.objects.filter(groups__permissions__codename="approve", is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("email")
    )
    return render(
        request,
        "workflow/inbox.html",
        {
            "page": page,
            "rows": rows,
            "now": timezone.now(),
            "status": status,
            "statuses": ApprovalTask.Status.choices,
            "delegations": delegations,
            "colleagues": colleagues,
        },
    )


@login_required
@require_POST
def out_of_office(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    delegate = User.objects.with_identity(request.POST.get("delegate", "")).first()
    try:
        starts_on = date.fromisoformat(request.POST.get("starts_on", ""))
        ends_on = date.fromisoformat(request.POST.get("ends_on", ""))
    except ValueError:
        messages.error(request, _("Give both dates."))
        return redirect("inbox")
    with refusal_shown(request):
        if delegate is None:
            raise ValidationFailed(errors={"delegate": [_("Choose a colleague.")]})
        services.delegation_create(
            actor=user, delegate=delegate, starts_on=starts_on, ends_on=ends_on
        )
        messages.success(
            request,
            _("%(who)s acts for you from %(a)s to %(b)s.")
            % {"who": delegate.email, "a": starts_on, "b": ends_on},
        )
    return redirect("inbox")


@login_required
@require_POST
@confirm_first(
    Confirm(
        gettext_lazy("Reject"),
        gettext_lazy(
            "The request is rejected with your comment and goes back to the person who asked; "
            "the other steps of its approval close."
        ),
        {"verb": "reject"},
        capability="accounts.approve",
    )
)
def decide(request: HttpRequest, task_id: str, verb: str) -> HttpResponse:
    """HTMX: approve or reject one task; the row is replaced by the outcome."""
    user = current_user(request)
    error = ""
    with refusal_caught() as refusal:
        if verb == "approve":
            services.task_approve(
                actor=user, task_id=task_id, comment=request.POST.get("comment", "")
            )
        elif verb == "reject":
            services.task_reject(
                actor=user, task_id=task_id, comment=request.POST.get("comment", "")
            )
        else:
            error = "unknown action"
    error = refusal.text or error
    if not request.headers.get("HX-Request"):
        # confirmed on the confirmation page (no HTMX there): back to the inbox with the outcome
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Approved.") if verb == "approve" else _("Rejected."))
        return redirect("inbox")
    task = selectors.tasks_of(user).filter(pk=task_id).first()
    summary = (
        services.subject_summaries([task]).get((task.subject_type, task.subject_id))
        if task
        else None
    )
    # Always 200: HTMX swaps the row, and the row shows the refusal in place.
    response = render(
        request,
        "workflow/_task_row.html",
        {"task": task, "summary": summary, "error": error, "now": timezone.now()},
    )
    if error or task is None:
        return response
    return with_feedback(response, task.get_status_display())


# --------------------------------------------------------------------------- approval links
@require_http_methods(["GET", "POST"])
def approval_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page an approval link opens: an e-mailed one signed in or not (the link is the
    credential; no session is opened), a Teams one for its approver signed in. GET shows the
    request and changes nothing (mail scanners follow links); the POST decides, the link and
    the task checked again."""
    refused = ""
    with refusal_caught() as refusal:
        link = links.link_of(token, viewer=request.user)
    if refusal:
        signed_in = request.user.is_authenticated
        return render(
            request,
            "workflow/approval_link.html",
            {
                "refused": refusal.text,
                "sign_in": "" if signed_in else f"/login/?next={request.path}",
            },
            status=refusal_status(refusal),
        )
    person = link.person
    with in_language_of(person):  # the approver's language, on any browser
        decided = None
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            with refusal_caught() as refusal:
                decided = links.link_decide(
                    token=token, viewer=request.user, comment=request.POST.get("comment", "")
                )
            if refusal:
                errors = refusal.field_errors
                refused = "" if errors else refusal.text
        facts = links.essentials(link.task)
        return render(
            request,
            "workflow/approval_link.html",
            {
                "link": link,
                "facts": facts,
                "lines": links.essentials_lines(facts),
                "decided": decided,
                "errors": errors,
                "refused": refused,
            },
            status=409 if refused else 200,
        )


def refusal_status(refusal: Any) -> int:
    return int(getattr(refusal.exc, "status", 400))
