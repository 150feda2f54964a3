"""What waits for the people who watch over spend: a manager's budgets by share used, the
compliance officer's screening hits and bank changes, supplier documents running out, the
auditor's evidence packs and a broken audit chain, an administrator's disabled webhooks."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.assurance.models import ChainCheck, EvidencePack
from apps.integrations.models import WebhookEndpoint
from apps.organization.models import Budget
from apps.suppliers.models import BankAccount, ScreeningHit, SupplierDocument
from apps.tenancy.context import tenant_today

from .desk import SHOWN, BudgetUse, Group, Row, due, waited

SOON = timedelta(days=30)


def budgets(user: User) -> list[Group]:
    """The current budgets of the cost centers this person manages, the most used first."""
    today = tenant_today()
    current = Budget.objects.filter(
        cost_center__manager=user,
        cost_center__active=True,
        period_start__lte=today,
        period_end__gte=today,
    ).select_related("cost_center")
    uses = sorted(
        (
            BudgetUse(
                cost_center=b.cost_center.code,
                name=b.cost_center.name,
                currency=b.currency,
                amount=b.amount,
                committed=b.committed,
                actual=b.actual,
            )
            for b in current
        ),
        key=lambda u: (-u.percent, u.cost_center),
    )
    if not uses:
        return []
    over = sum(1 for u in uses if u.over)
    return [
        Group(
            "budgets",
            ngettext(
                "Budget used in the cost center you manage",
                "Budget used in the %(n)d cost centers you manage",
                len(uses),
            )
            % {"n": len(uses)},
            len(uses),
            "/insights/",
            budgets=uses,
            urgent=over,
            urgent_label=_("over budget"),
        )
    ]


def screening(user: User) -> list[Group]:
    groups: list[Group] = []
    hits = ScreeningHit.objects.filter(status=ScreeningHit.Status.OPEN)
    n = hits.count()
    if n:
        groups.append(
            Group(
                "screening",
                ngettext("%(n)d sanctions hit to review", "%(n)d sanctions hits to review", n)
                % {"n": n},
                n,
                "/suppliers/screening/",
                columns=(_("Supplier"), "", _("Waiting")),
                rows=[
                    Row(
                        ref=h.supplier.name,
                        title=_("matches %(name)s") % {"name": h.matched_name},
                        url="/suppliers/screening/",
                        when=waited(h.created_at),
                    )
                    for h in hits.select_related("supplier").order_by("-score", "created_at")[
                        :SHOWN
                    ]
                ],
            )
        )
    called = BankAccount.objects.filter(
        status=BankAccount.Status.PENDING_VERIFICATION, callback_at__isnull=False
    )
    n = called.count()
    if n:
        groups.append(
            Group(
                "bank_approvals",
                ngettext(
                    "%(n)d bank change waiting for approval (call-back done)",
                    "%(n)d bank changes waiting for approval (call-back done)",
                    n,
                )
                % {"n": n},
                n,
                "/suppliers/?bank=pending",
                columns=(_("Supplier"), "", _("Called back")),
                rows=[
                    Row(
                        ref=b.supplier.name,
                        title=_("account ending %(last4)s") % {"last4": b.last4},
                        url=f"/suppliers/{b.supplier_id}/",
                        when=waited(b.callback_at),
                    )
                    for b in called.select_related("supplier").order_by("callback_at")[:SHOWN]
                ],
            )
        )
    return groups


def documents(user: User) -> list[Group]:
    today = tenant_today()
    expiring = SupplierDocument.objects.filter(
        status=SupplierDocument.Status.CURRENT,
        expires_on__isnull=False,
        expires_on__lte=today + SOON,
    )
    counts = expiring.aggregate(n=Count("pk"), late=Count("pk", filter=Q(expires_on__lt=today)))
    if not counts["n"]:
        return []
    rows = []
    for d in expiring.select_related("supplier").order_by("expires_on")[:SHOWN]:
        when, late = due(d.expires_on, today, late=False)
        rows.append(
            Row(
                ref=d.supplier.name,
                title=d.get_doc_type_display(),
                url=f"/suppliers/{d.supplier_id}/",
                when=when,
                late=late,
                note=_("expired") if late else "",
            )
        )
    n = counts["n"]
    return [
        Group(
            "expiring",
            ngettext(
                "%(n)d supplier document expiring within 30 days",
                "%(n)d supplier documents expiring within 30 days",
                n,
            )
            % {"n": n},
            n,
            "/suppliers/?expiring=30",
            columns=(_("Supplier"), "", _("Expires")),
            rows=rows,
            urgent=counts["late"],
            urgent_label=_("already expired"),
        )
    ]


def audit(user: User) -> list[Group]:
    groups: list[Group] = []
    packs = EvidencePack.objects.filter(
        requested_by=user, status__in=[EvidencePack.Status.READY, EvidencePack.Status.FAILED]
    )
    listed = list(packs.order_by("-requested_at")[:SHOWN])
    if listed:
        n = packs.count()
        failed = packs.filter(status=EvidencePack.Status.FAILED).count()
        groups.append(
            Group(
                "packs",
                ngettext(
                    "%(n)d evidence pack you asked for", "%(n)d evidence packs you asked for", n
                )
                % {"n": n},
                n,
                "/audit/#packs",
                columns=(_("Evidence pack"), "", _("Asked for")),
                rows=[
                    Row(
                        ref=p.title or str(_("Evidence pack")),
                        title="",
                        url="/audit/#packs",
                        when=waited(p.requested_at),
                        late=p.status == EvidencePack.Status.FAILED,
                        note=_("failed") if p.status == EvidencePack.Status.FAILED else _("ready"),
                    )
                    for p in listed
                ],
                urgent=failed,
                urgent_label=_("failed"),
            )
        )
    last = ChainCheck.objects.order_by("-checked_at").first()
    if last is not None and not last.valid:
        groups.append(
            Group(
                "chain",
                _("The last audit chain check found a break"),
                1,
                "/audit/",
                urgent=1,
                urgent_label=_("check the audit trail"),
            )
        )
    return groups


def webhooks(user: User) -> list[Group]:
    disabled = WebhookEndpoint.objects.filter(enabled=False).exclude(disabled_reason="")
    listed = list(disabled.order_by("url")[:SHOWN])
    if not listed:
        return []
    n = disabled.count()
    return [
        Group(
            "webhooks",
            ngettext(
                "%(n)d webhook endpoint disabled after failing",
                "%(n)d webhook endpoints disabled after failing",
                n,
            )
            % {"n": n},
            n,
            "/settings/integrations/",
            columns=(_("Endpoint"), "", ""),
            rows=[
                Row(
                    ref=w.description or w.url,
                    title=w.disabled_reason,
                    url="/settings/integrations/",
                )
                for w in listed
            ],
            urgent=n,
            urgent_label=_("events are not delivered"),
        )
    ]
