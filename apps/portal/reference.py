"""`/settings/reference-data/`: legal entities, cost centers, spend categories, budgets,
exchange rates and paying accounts, inside the branded portal. The reference-data role adds
and changes rows (each change audited by the services); auditors and admins read."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.accounts.pages import require_page
from apps.api.pages import refusal_on_form
from apps.organization.models import Budget, CostCenter, FxRate, LegalEntity, SpendCategory
from apps.organization.services import REFERENCE_KINDS, reference_record_save
from apps.payments.models import PayingAccount
from apps.payments.services.paying_accounts import paying_account_save

TITLES = {
    "legal_entity": gettext_lazy("Legal entities"),
    "cost_center": gettext_lazy("Cost centers"),
    "spend_category": gettext_lazy("Spend categories"),
    "budget": gettext_lazy("Budgets"),
    "fx_rate": gettext_lazy("Exchange rates"),
}
DATE = forms.DateInput(attrs={"type": "date"})
# the forms' labels in the reader's language (the models' field names are English)
FIELD_LABELS = {
    "code": gettext_lazy("Code"),
    "name": gettext_lazy("Name"),
    "country": gettext_lazy("Country"),
    "currency": gettext_lazy("Currency"),
    "manager": gettext_lazy("Manager"),
    "legal_entity": gettext_lazy("Legal entity"),
    "active": gettext_lazy("Active"),
    "cost_center": gettext_lazy("Cost center"),
    "period_start": gettext_lazy("Period start"),
    "period_end": gettext_lazy("Period end"),
    "amount": gettext_lazy("Amount"),
    "base": gettext_lazy("Base currency"),
    "quote": gettext_lazy("Quote currency"),
    "valid_on": gettext_lazy("Valid from"),
    "rate": gettext_lazy("Rate"),
}


def _form_class(kind: str) -> type[forms.ModelForm]:
    model, fields = REFERENCE_KINDS[kind]
    widgets: dict[str, Any] = {
        f: DATE for f in ("period_start", "period_end", "valid_on") if f in fields
    }
    labels: dict[str, Any] = {f: FIELD_LABELS[f] for f in fields if f in FIELD_LABELS}
    form = forms.modelform_factory(model, fields=fields, widgets=widgets, labels=labels)
    if "manager" in fields:
        manager = cast(forms.ModelChoiceField, form.base_fields["manager"])
        manager.queryset = User.objects.filter(is_active=True, is_service_account=False).order_by(
            "email"
        )
    if "cost_center" in fields:
        center = cast(forms.ModelChoiceField, form.base_fields["cost_center"])
        center.queryset = CostCenter.objects.order_by("code")
    return form


class PayingAccountForm(forms.Form):
    name = forms.CharField(max_length=140, label=gettext_lazy("Name"))
    iban = forms.CharField(max_length=40, label=gettext_lazy("IBAN or account id"))
    bic = forms.CharField(max_length=11, label=gettext_lazy("BIC"))


def _rows() -> dict[str, Any]:
    return {
        "legal_entity": LegalEntity.objects.order_by("code"),
        "cost_center": CostCenter.objects.select_related("manager", "legal_entity").order_by(
            "code"
        ),
        "spend_category": SpendCategory.objects.order_by("code"),
        "budget": Budget.objects.select_related("cost_center").order_by(
            "-period_start", "cost_center__code"
        ),
        "fx_rate": FxRate.objects.order_by("-valid_on", "base", "quote")[:50],
    }


def _apply(request: HttpRequest, kind: str, form: forms.ModelForm, pk: Any = None) -> bool:
    """Hand a valid form to the service; its refusals come back onto the form."""
    if not form.is_valid():
        return False
    with refusal_on_form(form) as refusal:
        reference_record_save(actor=current_user(request), kind=kind, data=form.cleaned_data, pk=pk)
    return not refusal


@login_required
@require_http_methods(["GET", "POST"])
def reference_data(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "reference_data")
    forms_by_kind = {kind: _form_class(kind)(prefix=kind) for kind in REFERENCE_KINDS}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in REFERENCE_KINDS:
            raise Http404
        form = _form_class(kind)(request.POST, prefix=kind)
        if _apply(request, kind, form):
            messages.success(request, _("%s: saved.") % TITLES[kind])
            return redirect(f"/settings/reference-data/#{kind}")
        forms_by_kind[kind] = form
        messages.error(request, _("Not saved: see the highlighted fields."))
    paying = {a.legal_entity_id: a for a in PayingAccount.objects.all()}
    rows = _rows()
    return render(
        request,
        "portal/reference_data.html",
        {
            "sections": [(kind, TITLES[kind], rows[kind], forms_by_kind[kind]) for kind in TITLES],
            "paying": [(e, paying.get(e.pk)) for e in rows["legal_entity"]],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reference_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    require_page(request.user, "reference_data")
    if kind not in REFERENCE_KINDS:
        raise Http404
    model, _fields = REFERENCE_KINDS[kind]
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    form = _form_class(kind)(request.POST or None, instance=row)
    if request.method == "POST" and _apply(request, kind, form, pk=pk):
        messages.success(request, _("%s: saved.") % TITLES[kind])
        return redirect(f"/settings/reference-data/#{kind}")
    return render(
        request, "portal/reference_edit.html", {"form": form, "title": TITLES[kind], "row": row}
    )


@login_required
@require_http_methods(["GET", "POST"])
def paying_account_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_page(request.user, "reference_data")
    entity = LegalEntity.objects.filter(code=code).first()
    if entity is None:
        raise Http404
    current = PayingAccount.objects.filter(legal_entity=entity).first()
    initial = {"name": current.name, "iban": current.iban, "bic": current.bic} if current else {}
    form = PayingAccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            paying_account_save(
                actor=current_user(request), legal_entity=entity, **form.cleaned_data
            )
            messages.success(request, _("Paying account of %s saved.") % entity.code)
            return redirect("/settings/reference-data/#paying_account")
    return render(
        request,
        "portal/reference_edit.html",
        {"form": form, "title": _("Paying account of %s") % entity.code, "row": entity},
    )
