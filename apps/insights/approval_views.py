"""`/insights/approvals/`: the approval tasks behind the approval-latency figures (the tile and
the table by step role), so each count opens exactly the tasks it counts: who decided what,
for which document, when it was opened and decided, and how long it took. For readers of
every section (`view_insights`): an approver sees the figures of the approvals section, not
everyone's tasks."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import ExpressionWrapper, F, FloatField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.current import current_user
from apps.assurance.subjects import subject_refs

from .figures import Hours, Scope, decided_tasks
from .views import period_asked

PAGE_SIZE = 50


@login_required
def approvals_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not user.has_perm("accounts.view_insights"):
        raise PermissionDenied
    period, entity = period_asked(request, user)
    role = request.GET.get("role") or None
    scope = Scope(user, period, entity, period.until)
    tasks = (
        decided_tasks(scope, role)
        .select_related("step", "assignee", "on_behalf_of")
        .annotate(hours=ExpressionWrapper(Hours("decided_at", "created_at"), FloatField()))
        .order_by(F("hours").desc(), "id")
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    names = subject_refs(page.object_list)
    return render(
        request,
        "insights/approvals.html",
        {
            "page": page,
            "period": period,
            "entity": entity,
            "role": role,
            "rows": [
                (task, *names.get((task.subject_type, task.subject_id), (task.subject_id, "")))
                for task in page.object_list
            ],
            "back": urlencode({**period.query(), **({"legal_entity": entity} if entity else {})}),
        },
    )
