"""How a page answers a refusal: the page-side counterpart of `errors.exception_handler`.

A page view calls its service inside one `with` block and nothing else; a refusal the
service raises (an `ApplicationError`) leaves the block and is shown here, in one place:

    with refusal_shown(request):            # the refusal's text as an error message
        invoice_rematch(actor=current_user(request), invoice_id=invoice.pk)
    return redirect("invoice-page", invoice_id=invoice.pk)

    with refusal_on_form(form):             # each message at its field, or the form's top
        paying_account_save(...)
        return redirect(...)
    return render(...)                      # a refused form is drawn again with its errors

`refusal_caught()` shows nothing: the view reads what was refused after the block (an HTMX
fragment that carries the refusal in place, a message in the view's own words). Every other
exception passes through untouched.

A destructive or money-moving action is asked for twice: the view is decorated with
`confirm_first(Confirm(...))`, and a POST that does not carry `confirmation=given` is answered
with the confirmation step (what will happen, and the same form again) instead of reaching the
view. A person who lacks the action's capability is refused (403) before any step: the step
never asks someone who could not carry the action out. The page's dialog
(templates/components/confirm.html, static/js/confirm.js) sets the field when the person
confirms; without JavaScript the step is a page of its own."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from types import TracebackType
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from apps.controls.csvfiles import CsvWriter
from apps.controls.refusals import ApplicationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Refusal:
    """A `with` block that catches the refusal a service raises; after the block it is truthy
    when something was refused and says what."""

    def __init__(
        self,
        *,
        request: HttpRequest | None = None,
        form: BaseForm | None = None,
        field_prefix: str = "",
    ) -> None:
        self.request = request
        self.form = form
        self.field_prefix = field_prefix
        self.exc: ApplicationError | None = None

    def __enter__(self) -> Refusal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if not isinstance(exc, ApplicationError) or getattr(exc, "page", None):
            return False  # a refusal answered by sending the person to a page (step-up)
        self.exc = exc
        if self.form is not None:
            self._onto_form(self.form, exc)
        elif self.request is not None:
            messages.error(self.request, exc.text())
        return True

    def __bool__(self) -> bool:
        return self.exc is not None

    @property
    def text(self) -> str:
        """The refusal as one sentence: its field messages, or its detail; "" if none."""
        return self.exc.text() if self.exc is not None else ""

    @property
    def detail(self) -> str:
        """The refusal's detail alone (what the API sends as `detail`); "" if none."""
        return self.exc.detail if self.exc is not None else ""

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The messages per field; {} when the refusal names no field (or there is none)."""
        return (self.exc.errors or {}) if self.exc is not None else {}

    def errors_or(self, key: str) -> dict[str, list[str]]:
        """The field messages, or the detail under `key` when the refusal names no field."""
        if self.exc is None:
            return {}
        return self.exc.errors or {key: [self.exc.detail]}

    def _onto_form(self, form: BaseForm, exc: ApplicationError) -> None:
        for field, errors in (exc.errors or {"__all__": [exc.detail]}).items():
            name = field.removeprefix(self.field_prefix)
            for error in errors:
                form.add_error(name if name in form.fields else None, error)


def refusal_shown(request: HttpRequest) -> Refusal:
    """A refusal in this block becomes the page's error message (its `text()`)."""
    return Refusal(request=request)


def refusal_on_form(form: BaseForm, *, field_prefix: str = "") -> Refusal:
    """A refusal in this block lands on the form: each message at its field (named without
    `field_prefix`), a message of an unknown field or of none at the form's top."""
    return Refusal(form=form, field_prefix=field_prefix)


def refusal_caught() -> Refusal:
    """A refusal in this block is only kept; the view reads it after the block."""
    return Refusal()


def csv_download(filename: str, rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A page's table as a CSV file to save (header row first), through the one CSV writer
    (formula cells neutralised)."""
    out = io.StringIO()
    CsvWriter(out).writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --------------------------------------------------------------------------- confirmation
CONFIRMATION_FIELD = "confirmation"  # not "confirmed": the bank call-back form uses that name
CONFIRMATION_GIVEN = "given"
_NOT_REPEATED = {"csrfmiddlewaretoken", CONFIRMATION_FIELD}


@dataclasses.dataclass(frozen=True)
class Confirm:
    """An action asked for twice: its label ("Cancel the run"), one sentence saying what will
    happen, and what picks it among the view's actions (URL arguments or posted fields, e.g.
    `{"verb": "cancel"}`, "*" for any non-empty value; none: every POST to the view).

    `capability`: what the action needs ("accounts.release_payments", or several of which any
    one will do), as the view and its service require it; a person holding none is refused
    before the step. `review`: the action's step is a page of its own (a query such as
    "?confirm=release" on the view's path); a POST without the confirmation is sent there."""

    label: StrOrPromise
    says: StrOrPromise
    when: Mapping[str, str] = dataclasses.field(default_factory=dict)
    capability: str | tuple[str, ...] = dataclasses.field(kw_only=True)
    review: str = dataclasses.field(default="", kw_only=True)

    @property
    def capabilities(self) -> tuple[str, ...]:
        return (self.capability,) if isinstance(self.capability, str) else self.capability

    def allowed(self, user: Any) -> bool:
        return any(user.has_perm(capability) for capability in self.capabilities)

    def picks(self, request: HttpRequest, kwargs: Mapping[str, Any]) -> bool:
        for name, wanted in self.when.items():
            given = str(kwargs.get(name, request.POST.get(name, "")))
            if given != wanted and not (wanted == "*" and given):
                return False
        return True


ViewFunction = Callable[..., HttpResponse]


def confirm_first(*steps: Confirm) -> Callable[[ViewFunction], ViewFunction]:
    """The view runs a picked action only once the person confirmed it; before that it answers
    the confirmation step and changes nothing. Put it under the sign-in decorators."""

    def decorate(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def confirmed_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and not confirmation_given(request):
                step = next((s for s in steps if s.picks(request, kwargs)), None)
                if step is not None:
                    if not step.allowed(request.user):
                        raise PermissionDenied  # the refusal first, as the view's own check
                    if step.review:
                        return redirect(request.path + step.review)
                    return confirmation_step(request, step)
            return view(request, *args, **kwargs)

        confirmed_view.confirmations = steps  # type: ignore[attr-defined]
        return confirmed_view

    return decorate


def confirmed_values(view: ViewFunction, field: str) -> str:
    """The values of posted `field` for which `view` asks to confirm, space-separated: the
    confirm component's `values`, so the page asks exactly when the view will."""
    steps = getattr(view, "confirmations", ())
    return " ".join(step.when[field] for step in steps if field in step.when)


def confirmation_given(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMATION_FIELD) == CONFIRMATION_GIVEN


def confirmation_step(request: HttpRequest, step: Confirm) -> HttpResponse:
    """The step as a page (or, for HTMX, in place of the page's content): what will happen,
    and a form that posts the same fields again with the confirmation."""
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}) or not back:
        back = "/"
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_REPEATED
        for value in values
    ]
    context = {"step": step, "action": request.get_full_path(), "fields": fields, "back": back}
    if request.headers.get("HX-Request"):
        response = render(request, "components/confirm_step.html", context)
        response["HX-Retarget"] = "main"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "components/confirm_page.html", context)


def with_feedback(response: HttpResponse, text: str) -> HttpResponse:
    """An HTMX answer that also says what happened: the page's live region (#feedback in
    base.html) shows `text` for a few seconds (portal.js reads the HX-Trigger event)."""
    response["HX-Trigger"] = json.dumps({"feedback": str(text)})
    return response
