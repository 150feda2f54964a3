"""A client tenant's plan: soft and hard limits its partner sets on what it uses in a month
(docs/partners.md, "Usage and plans"). The limits are kept here, in the public schema, because
the guards run in the contexts below the partner's: accounts before it creates a person,
invoices before it takes an invoice in. Each of those counts its own month and asks
`plan_guard`; what each counts is registered with `register_plan_counter` so the tenant admin's
warning (home page, settings) reads every figure without this module importing upwards.

- at the soft limit the action goes through and the tenant admin is warned;
- at the hard limit it is refused (`409 plan_limit_reached`) with a sentence naming the limit
  and asking the admin to contact their partner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.controls.refusals import ApplicationError
from apps.controls.registries import KeyedRegistry

from .context import current_schema, current_tenant, tenant_zone
from .models import ClientPlan

# metric → what it counts, in words
PLAN_METRICS = {
    "active_users": gettext_lazy("active users"),
    "invoices": gettext_lazy("invoices received"),
    "requisitions": gettext_lazy("requisitions"),
}
OK, SOFT, HARD = "ok", "soft", "hard"
_SEVERITY = {OK: 0, SOFT: 1, HARD: 2}


class PlanLimitReached(ApplicationError):
    status = 409
    code = "plan_limit_reached"
    default_detail = gettext_lazy("The plan's limit is reached.")


# --------------------------------------------------------------------------- months
def month_first(now: datetime | None = None, zone: ZoneInfo | None = None) -> date:
    """The first day of the month `now` falls in, where the tenant works (its time zone)."""
    local = (now or timezone.now()).astimezone(zone or tenant_zone())
    return local.date().replace(day=1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_bounds(first: date, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """The month from its first midnight to the next month's, in the tenant's time zone."""
    zone = zone or tenant_zone()
    start = datetime(first.year, first.month, 1, tzinfo=zone)
    after = next_month(first)
    return start, datetime(after.year, after.month, 1, tzinfo=zone)


# --------------------------------------------------------------------------- limits
def limits_of(plan: ClientPlan | None) -> dict[str, dict[str, int | None]]:
    """{metric: {"soft", "hard"}}; None where no limit is set."""
    return {
        metric: {
            "soft": getattr(plan, f"{metric}_soft", None),
            "hard": getattr(plan, f"{metric}_hard", None),
        }
        for metric in PLAN_METRICS
    }


def state_of(limits: dict[str, int | None], used: int) -> str:
    if limits["hard"] is not None and used >= limits["hard"]:
        return HARD
    if limits["soft"] is not None and used >= limits["soft"]:
        return SOFT
    return OK


def worst(states: list[str]) -> str:
    return max(states, key=_SEVERITY.__getitem__, default=OK)


def current_plan() -> ClientPlan | None:
    tenant = current_tenant()
    if tenant is None:
        return None
    return ClientPlan.objects.filter(client_id=tenant.pk).first()


def plan_guard(metric: str, count: Callable[[], int]) -> str:
    """Before one more of `metric` (a person, an invoice…), `count()` being how many this
    month already: refused at the hard limit, "soft" at the soft limit (go on, the admin is
    warned), "ok". Under a hard limit the tenant's intakes of `metric` count one at a time (a
    transaction-level advisory lock, held until the caller's transaction ends), so two
    arriving together cannot both take the last place. Call it inside the write's transaction."""
    plan = current_plan()
    limits = limits_of(plan)[metric]
    if limits["hard"] is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"plan:{current_schema()}:{metric}"],
            )
    used = count()
    state = state_of(limits, used)
    if state == HARD:
        raise PlanLimitReached(_refusal_text(metric) % {"limit": limits["hard"], "used": used})
    return state


def _refusal_text(metric: str) -> str:
    if metric == "active_users":
        # a person given access may sign in this month: those with access are what is counted
        return _(
            "Your plan allows %(limit)s active users a month and %(used)s people already have "
            "access, so no one more can be added. Ask your partner to raise the limit, or "
            "deactivate someone who no longer needs access."
        )
    if metric == "invoices":
        return _(
            "Your plan allows %(limit)s invoices a month and %(used)s have been received this "
            "month, so no more can be taken in. Ask your partner to raise the limit."
        )
    return _(
        "Your plan allows %(limit)s requisitions a month and %(used)s have been created this "
        "month, so no more can be created. Ask your partner to raise the limit."
    )


# --------------------------------------------------------------------------- the tenant's standing
_counters = KeyedRegistry[Callable[[datetime, datetime], int]](
    "tenancy.plans.register_plan_counter",
    "what a plan's limit counts in a month (active users, invoices received, requisitions)",
)


def register_plan_counter(metric: str, counter: Callable[[datetime, datetime], int]) -> None:
    """A context below the partner's counts one metric of the current tenant between two
    instants (its month); registered in its AppConfig.ready()."""
    _counters[metric] = counter


@dataclass(frozen=True)
class PlanFigure:
    metric: str
    label: str
    used: int
    soft: int | None
    hard: int | None
    state: str


def plan_standing(now: datetime | None = None) -> list[PlanFigure]:
    """The current tenant's month against each limit its plan sets (none: an empty list)."""
    plan = current_plan()
    if plan is None:
        return []
    since, until = month_bounds(month_first(now))
    figures = []
    for metric, limits in limits_of(plan).items():
        if (limits["soft"] is None and limits["hard"] is None) or metric not in _counters:
            continue
        used = _counters[metric](since, until)
        figures.append(
            PlanFigure(
                metric,
                str(PLAN_METRICS[metric]),
                used,
                limits["soft"],
                limits["hard"],
                state_of(limits, used),
            )
        )
    return figures


def plan_warnings(now: datetime | None = None) -> list[PlanFigure]:
    """The figures at or past a limit, for the tenant admin's home and settings pages."""
    return [figure for figure in plan_standing(now) if figure.state != OK]
