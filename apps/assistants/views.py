"""/settings/assistants/: what each AI assistant may do in this tenant (the policy's
`assistants` section), which model it uses, how much of its advice people followed, and every
piece of advice it showed — for tenant admins, who may retrain spend coding now, and for
auditors, who read."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.pages import require_page
from apps.api.pages import refusal_shown
from apps.policies.assistant_section import ASSISTANTS

from .models import Assistant
from .selectors import advice_acceptance, advice_shown, models_in_use
from .services import assistant_setting
from .spend.services import spend_model_retrain

PAGE_SIZE = 50
WINDOW_DAYS = 30
# the assistants that train a model per tenant; the others read the document or this
# company's history afresh each time they advise
TRAINED = {
    "spend_coding": gettext_lazy("cold start until it is trained"),
    "anomaly": gettext_lazy("silent until it is trained on 200 invoices"),
}


@login_required
@require_GET
def assistants_page(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "assistants")
    now = timezone.now()
    acceptance = advice_acceptance(now - timedelta(days=WINDOW_DAYS), now)
    models = models_in_use()
    chosen = request.GET.get("assistant") or None
    if chosen not in ASSISTANTS:
        chosen = None
    rows = [
        {
            "key": key,
            "label": Assistant(key).label,
            "setting": assistant_setting(key),
            "model": models.get(key),
            "untrained": TRAINED.get(key),
            "figures": acceptance.get(key),
        }
        for key in ASSISTANTS
    ]
    return render(
        request,
        "assistants/settings.html",
        {
            "rows": rows,
            "window_days": WINDOW_DAYS,
            "chosen": chosen,
            "choices": [(key, Assistant(key).label) for key in ASSISTANTS],
            "page": Paginator(advice_shown(chosen), PAGE_SIZE).get_page(request.GET.get("page")),
            "may_retrain": request.user.has_perm("accounts.manage_settings"),
        },
    )


@login_required
@require_POST
def spend_retrain(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "assistants")
    with refusal_shown(request):
        spend_model_retrain(actor=request.user)
        messages.success(
            request, _("Spend coding is retraining in the background; refresh in a minute.")
        )
    return redirect("/settings/assistants/")
