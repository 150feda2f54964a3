"""The approver's inbox: tasks with the context to decide, one-click approve or reject."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.api.errors import ApplicationError

from . import selectors, services
from .models import ApprovalTask


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    tasks = selectors.tasks_of(cast(User, request.user), status=status or None)
    page = Paginator(tasks, 25).get_page(request.GET.get("page"))
    summaries = services.subject_summaries(list(page))
    rows = [(task, summaries.get((task.subject_type, task.subject_id))) for task in page]
    return render(
        request,
        "workflow/inbox.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": ApprovalTask.Status.choices,
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, task_id: str, verb: str) -> HttpResponse:
    """HTMX: approve or reject one task; the row is replaced by the outcome."""
    user = cast(User, request.user)
    error = ""
    try:
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
    except ApplicationError as exc:
        error = (
            " ".join(m for ms in exc.errors.values() for m in ms) if exc.errors else str(exc.detail)
        )
    task = selectors.tasks_of(user).filter(pk=task_id).first()
    summary = (
        services.subject_summaries([task]).get((task.subject_type, task.subject_id))
        if task
        else None
    )
    # Always 200: HTMX swaps the row, and the row shows the refusal in place.
    return render(
        request, "workflow/_task_row.html", {"task": task, "summary": summary, "error": error}
    )
