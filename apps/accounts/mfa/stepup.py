"""Step-up: the money-moving moments (releasing a payment run, approving a bank change,
publishing a policy) ask for a second factor given in the last five minutes, even within a
session that was verified at sign-in.

The control lives in the service (`fresh_factor_required`), so a page, an API call and a task
meet the same guard. What the service reads is the *factor context* of the work in progress:
who gave a second factor, when, and with which device. The HTTP side fills it:
- pages and browser API calls: `SecondFactorContext` (middleware) from the session, where the
  code pages record when the person last typed a code (`record_in_session`);
- API calls: a code sent with the request (`X-Spendgate-OTP` header or an `otp` field) checked
  by the token and session authentication (apps.accounts.mfa.api_auth) before the view runs.

The system (a task, the seed, provisioning, a partner's template rollout: `is_system`) has no
second factor and is not asked for one. A person without an enrolled device is refused with
`mfa_enrolment_required` — moving money asks for an enrolled factor whatever the policy says
about sign-in (docs/identity.md, "Second factor and step-up")."""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.controls.guards import is_assistant, is_system
from apps.controls.refusals import PermissionRefused

FRESH_FOR = timedelta(minutes=5)
SESSION_AT = "mfa_factor_at"  # epoch seconds of the last code typed in this session
SESSION_DEVICE = "mfa_factor_device"
STEP_UP_PAGE = "/account/step-up/"
OTP_HEADER = "X-Spendgate-OTP"


class StepUpRequired(PermissionRefused):
    """403 `step_up_required`: the action needs a second factor given in the last 5 minutes.
    Pages send the person to the code prompt and back to the action (SecondFactorContext)."""

    code = "step_up_required"
    default_detail = gettext_lazy(
        "This action needs a fresh second factor: type the code from your authenticator app "
        "(API: send it as `otp` or in the X-Spendgate-OTP header with this request)."
    )
    page = STEP_UP_PAGE


class EnrolmentRequired(PermissionRefused):
    """403 `mfa_enrolment_required`: the person has no second factor to give."""

    code = "mfa_enrolment_required"
    default_detail = gettext_lazy(
        "This action needs a second factor and you have none: set up an authenticator app on "
        "/account/security/ first."
    )
    page = "/account/security/"


@dataclasses.dataclass(frozen=True)
class Factor:
    """A second factor a person gave: who, when and with which device."""

    user_pk: Any
    at: datetime
    device: str
    how: str = "session"  # "session" (a code typed on a page) or "request" (sent with a call)

    def fresh(self, now: datetime) -> bool:
        return timedelta(0) <= now - self.at <= FRESH_FOR or (
            self.at > now and self.at - now < timedelta(seconds=30)
        )


_factors: contextvars.ContextVar[tuple[Factor, ...]] = contextvars.ContextVar(
    "second_factors", default=()
)


def factor_given(factor: Factor) -> contextvars.Token[tuple[Factor, ...]]:
    """Add a factor to the work in progress (the newest of a person counts)."""
    kept = tuple(f for f in _factors.get() if f.user_pk != factor.user_pk)
    return _factors.set((*kept, factor))


def factors_reset(token: contextvars.Token[tuple[Factor, ...]]) -> None:
    _factors.reset(token)


@contextmanager
def factors_cleared() -> Iterator[None]:
    """A request starts with no factor but what it brings itself."""
    token = _factors.set(())
    try:
        yield
    finally:
        _factors.reset(token)


def factor_of(actor: Any) -> Factor | None:
    pk = getattr(actor, "pk", None)
    return next((f for f in _factors.get() if pk is not None and f.user_pk == pk), None)


def fresh_factor_required(actor: Any) -> dict[str, Any]:
    """The step-up guard: returns what the action's audit event records of the factor
    (`{"second_factor": {...}}`), or `{}` for the system. Raises StepUpRequired or
    EnrolmentRequired."""
    if is_system(actor) or is_assistant(actor):
        return {}  # the system needs none; an assistant is refused by `require` already
    from .devices import has_second_factor  # devices imports django_otp's models

    factor = factor_of(actor)
    now = timezone.now()
    if factor is not None and factor.fresh(now):
        return {
            "second_factor": {
                "given_at": factor.at.isoformat(),
                "device": factor.device,
                "via": factor.how,
                "age_seconds": max(0, int((now - factor.at).total_seconds())),
            }
        }
    if not has_second_factor(actor):
        raise EnrolmentRequired()
    raise StepUpRequired()


def record_in_session(session: Any, device: Any, *, at: datetime | None = None) -> None:
    """A code the person typed on a page: its time and device, read by SecondFactorContext."""
    session[SESSION_AT] = (at or timezone.now()).timestamp()
    session[SESSION_DEVICE] = getattr(device, "name", "") or "authenticator"


def factor_from_session(user: Any, session: Any) -> Factor | None:
    at = session.get(SESSION_AT)
    if not isinstance(at, int | float) or not user.is_verified():
        return None
    return Factor(
        user.pk,
        datetime.fromtimestamp(at, tz=UTC),
        str(session.get(SESSION_DEVICE) or "authenticator"),
    )


@contextmanager
def factor_recorded(user: Any, *, device: str = "authenticator", how: str) -> Iterator[None]:
    """For the block, `user` gave a second factor now: for code that acts as a person who
    typed their code elsewhere (the demo seed's history, `how="seed"`), never for a request.
    The action's audit event names `how`."""
    token = factor_given(Factor(user.pk, timezone.now(), device, how=how))
    try:
        yield
    finally:
        factors_reset(token)
