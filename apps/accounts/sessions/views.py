"""/account/sessions/: the person's own signed-in sessions (and passkeys), each with where and
when, "this session" marked; end one, or all others (at once: signing in again restores them).
/settings/users/<id>/sessions/: a tenant admin's view of one person's sessions, to end one or
all, asked for twice."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.api.pages import Confirm, confirm_first, refusal_shown

from ..current import current_user
from ..models import Passkey, User
from . import services
from .selectors import session_rows

OWN_PAGE = "/account/sessions/"
_END_ONE = gettext_lazy("End the session")
_END_ONE_SAYS = gettext_lazy("That browser is signed out at once and must sign in again.")


class OwnConfirm(Confirm):
    """An action on one's own sign-in, asked for twice: anyone signed in may take it (the view
    answers 404 first for what is not theirs)."""

    def allowed(self, user: Any) -> bool:
        return bool(user.is_authenticated)


def sessions_context(request: HttpRequest, user: Any) -> dict[str, Any]:
    """What the sessions part of a page shows (also drawn on /account/security/)."""
    return {
        "sessions": session_rows(user, request.session.session_key),
        "passkeys": list(Passkey.objects.filter(user=user, confirmed=True)),
    }


def _revoke(request: HttpRequest, owner: User) -> None:
    action = request.POST.get("action")
    with refusal_shown(request):
        if action == "revoke":
            services.user_session_revoke(
                actor=current_user(request), session_id=int(request.POST.get("session") or 0)
            )
            messages.success(request, _("The session is ended."))
        elif action == "revoke_others":
            own = owner.pk == request.user.pk
            ended = services.user_sessions_revoke_all(
                actor=current_user(request),
                user_id=owner.pk,
                keep_session_key=(request.session.session_key or "") if own else "",
            )
            messages.success(request, _("%(n)s sessions ended.") % {"n": ended})


@login_required
@require_http_methods(["GET", "POST"])
def own_sessions(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        _revoke(request, user)
        return redirect(request.POST.get("back") or OWN_PAGE)
    return render(request, "accounts/sessions.html", sessions_context(request, user))


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    Confirm(_END_ONE, _END_ONE_SAYS, {"action": "revoke"}, capability="accounts.manage_users"),
    Confirm(
        gettext_lazy("End every session"),
        gettext_lazy("Every browser signed in as this person is signed out at once."),
        {"action": "revoke_others"},
        capability="accounts.manage_users",
    ),
)
def user_sessions(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.has_perm("accounts.manage_users"):
        raise PermissionDenied
    person = get_object_or_404(User, pk=user_id, is_service_account=False)
    if request.method == "POST":
        _revoke(request, person)
        return redirect(request.path)
    return render(
        request,
        "accounts/user_sessions.html",
        {"person": person, "sessions": session_rows(person, request.session.session_key)},
    )
