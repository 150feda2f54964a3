"""Sign-in, tenant settings (users and roles) and invitation acceptance."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.api.pages import Confirm, confirm_first, refusal_caught, refusal_shown
from apps.tenancy.plans import plan_standing

from . import selectors, services
from .current import current_user
from .forms import InviteForm, LoginForm, RolesForm, SetPasswordForm
from .language import is_language
from .lockout import sign_in_failed, sign_in_throttled, throttled_page
from .models import User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        hit = sign_in_throttled(request)
        if hit is not None:
            return throttled_page(request, hit)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        if form.data.get("username"):
            sign_in_failed(self.request)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    pass


@require_http_methods(["POST"])
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language menu at the foot of every page: a signed-in person's choice is kept on
    their account (and so follows them to every device and to their e-mails); a visitor's in
    a cookie, which also keeps it past signing out. Back to the page they were on."""
    language = request.POST.get("language", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    response = redirect(back)
    if not is_language(language):
        messages.error(request, _("Choose a language from the list."))
        return response
    if request.user.is_authenticated:
        services.user_language_set(person=current_user(request), language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.manage_users"):
        raise PermissionDenied
    invite_form = InviteForm(request.POST if request.POST.get("form") == "invite" else None)
    if request.method == "POST" and request.POST.get("form") == "invite" and invite_form.is_valid():
        with refusal_shown(request):
            services.user_invite(
                actor=current_user(request),
                email=invite_form.cleaned_data["email"],
                roles=invite_form.cleaned_data["roles"],
                first_name=invite_form.cleaned_data["first_name"],
                last_name=invite_form.cleaned_data["last_name"],
                base_url=request.build_absolute_uri("/"),
                portal_name=request.tenant.portal_name,  # type: ignore[attr-defined]
            )
            messages.success(
                request, _("Invitation sent to %s.") % invite_form.cleaned_data["email"]
            )
            return redirect("settings")
    users = list(selectors.tenant_users())
    rows = [
        (u, RolesForm(initial={"roles": [g.name for g in u.groups.all()]}, prefix=f"u{u.pk}"))
        for u in users
    ]
    return render(
        request,
        "accounts/settings.html",
        {"invite_form": invite_form, "rows": rows, "plan": plan_standing()},
    )


@login_required
@require_http_methods(["POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Save the roles"),
        gettext_lazy(
            "The person holds exactly the roles ticked: a role not ticked is taken away at once, "
            "with the pages and approvals it gave."
        ),
        capability="accounts.manage_users",
    )
)
def user_roles_update(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.has_perm("accounts.manage_users"):
        raise PermissionDenied
    user = get_object_or_404(User, pk=user_id)
    form = RolesForm(request.POST, prefix=f"u{user.pk}")
    if form.is_valid():
        with refusal_shown(request):
            services.user_set_roles(
                actor=current_user(request), user=user, roles=form.cleaned_data["roles"]
            )
            messages.success(request, _("Roles of %s saved.") % user.email)
    return redirect("settings")


@login_required
@require_http_methods(["POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Deactivate the person"),
        gettext_lazy(
            "They cannot sign in any more, their API tokens and sessions end now, and their "
            "open approval tasks, exceptions and contracts move to others. Nothing of theirs is "
            "deleted."
        ),
        capability="accounts.manage_users",
    )
)
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.has_perm("accounts.manage_users"):
        raise PermissionDenied
    user = get_object_or_404(User, pk=user_id, is_service_account=False)
    with refusal_shown(request):
        services.user_deactivate(
            actor=current_user(request),
            user_id=user.pk,
            reason=request.POST.get("reason", "").strip() or _("deactivated on the users page"),
        )
        messages.success(request, _("%s is deactivated; their work moved.") % user.email)
    return redirect("settings")


@login_required
@require_http_methods(["POST"])
def user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.has_perm("accounts.manage_users"):
        raise PermissionDenied
    user = get_object_or_404(User, pk=user_id, is_service_account=False)
    with refusal_shown(request):
        services.user_reactivate(actor=current_user(request), user_id=user.pk)
        messages.success(request, _("%s may sign in again.") % user.email)
    return redirect("settings")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist) as exc:
        raise Http404 from exc
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_caught() as refusal:
            services.invitation_accept(
                user=user, token=token, password=form.cleaned_data["password"]
            )
            messages.success(request, _("Your password is set. Sign in with your e-mail address."))
            return redirect("login")
        # the password's own messages read at the top of this two-field form
        form.add_error(None, refusal.text)
    return render(request, "accounts/invite_accept.html", {"form": form, "invitee": user})
