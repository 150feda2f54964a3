"""Pages: the supplier portal's question box (HTMX: the answer replaces the box's list) and
AP's list of the questions handed to it, where AP replies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.pages import refusal_shown
from apps.suppliers.models import Supplier
from apps.suppliers.portal import portal_supplier

from ..models import SupplierQuestion
from ..services import assistant_enabled
from .services import (
    ASSISTANT,
    supplier_question_ask,
    supplier_question_escalate,
    supplier_question_reply,
)

RECENT = 5  # the portal home shows the supplier its latest questions
PAGE_SIZE = 50


def portal_questions_section(user: User, supplier: Supplier) -> dict[str, Any]:
    """The supplier portal home's question box and its latest questions (registered from
    AssistantsConfig.ready); switched off in the policy, there is no box."""
    if not assistant_enabled(ASSISTANT):
        return {"questions_enabled": False}
    return {
        "questions_enabled": True,
        "questions": SupplierQuestion.objects.filter(supplier=supplier)[:RECENT],
    }


@login_required
@require_POST
def portal_question_ask(request: HttpRequest) -> HttpResponse:
    supplier = portal_supplier(request)
    if not assistant_enabled(ASSISTANT):
        raise Http404
    with refusal_shown(request):
        supplier_question_ask(actor=current_user(request), text=request.POST.get("text", ""))
    return _questions_answer(request, supplier)


@login_required
@require_POST
def portal_question_escalate(request: HttpRequest, question_id: str) -> HttpResponse:
    """The supplier found the assistant's answer wanting: a person in AP takes it."""
    supplier = portal_supplier(request)
    if not assistant_enabled(ASSISTANT):
        raise Http404
    with refusal_shown(request):
        supplier_question_escalate(actor=current_user(request), question_id=question_id)
    return _questions_answer(request, supplier)


def _questions_answer(request: HttpRequest, supplier: Supplier) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return render(
            request,
            "assistants/_portal_questions_list.html",
            portal_questions_section(current_user(request), supplier),
        )
    return redirect("/supplier-portal/#questions")


def _ap(request: HttpRequest) -> User:
    user = current_user(request)
    if not user.has_perm("accounts.process_invoices"):
        raise PermissionDenied
    return user


@login_required
def question_list(request: HttpRequest) -> HttpResponse:
    """The questions suppliers asked that wait on AP (and the latest answered ones)."""
    _ap(request)
    waiting = (
        SupplierQuestion.objects.filter(status=SupplierQuestion.Status.HANDED_TO_AP)
        .select_related("supplier", "asked_by")
        .order_by("asked_at", "pk")  # the oldest first: it has waited longest
    )
    answered = (
        SupplierQuestion.objects.exclude(status=SupplierQuestion.Status.HANDED_TO_AP)
        .select_related("supplier", "handled_by")
        .order_by("-asked_at", "pk")
    )
    return render(
        request,
        "assistants/question_list.html",
        {
            "waiting": Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("waiting")),
            "page": Paginator(answered, PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )


@login_required
@require_POST
def question_reply(request: HttpRequest, question_id: str) -> HttpResponse:
    user = _ap(request)
    with refusal_shown(request):
        supplier_question_reply(
            actor=user, question_id=question_id, reply=request.POST.get("reply", "")
        )
    return redirect("/supplier-questions/")
