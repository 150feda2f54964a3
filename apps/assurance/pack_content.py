"""What an evidence pack says about its subject or period: sections of facts and tables, the
subjects whose audit events belong in it, and a manifest of the originals it refers to.

Each gatherer reads the owning context's models (reads only) and returns a `Story`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.audit.selectors import period_bounds
from apps.organization.money import money_text, quantity_text, unit_price_text


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Section:
    title: str
    facts: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Story:
    title: str
    sections: list[Section]
    subjects: list[tuple[str, str]]  # (subject_type, subject_id) whose events belong here
    manifest: list[tuple[str, str, str]] = field(default_factory=list)  # name, kind, sha256


def _who(user: Any) -> str:
    return user.email if user is not None else "—"


def _lines_table(lines: Any) -> Table:
    """A requisition's or an order's lines: both have a number, description, quantity and
    unit price."""
    return Table(
        _("Lines"),
        [_("Line"), _("Description"), _("Quantity"), _("Unit price")],
        [
            [ln.line_no, ln.description, quantity_text(ln.quantity), unit_price_text(ln.unit_price)]
            for ln in lines
        ],
    )


def _when(value: datetime | None) -> str:
    """A moment in the reader's date format, to the second: "07.12.2026 03:18:58 UTC"."""
    if not value:
        return "—"
    local = timezone.localtime(value)
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {local.strftime('%H:%M:%S %Z')}"


def _route_sections(subject_type: str, subject_id: str) -> list[Section]:
    from apps.workflow.models import ApprovalRoute, ApprovalTask

    sections = []
    routes = ApprovalRoute.objects.filter(subject_type=subject_type, subject_id=subject_id)
    for route in routes.select_related("requester").order_by("created_at"):
        plan = route.plan or {}
        tasks = (
            ApprovalTask.objects.filter(step__route=route)
            .select_related("step", "assignee", "on_behalf_of")
            .order_by("step__sequence", "created_at")
        )
        sections.append(
            Section(
                title=_("Approval route (policy %s)") % route.policy_version,
                facts=[
                    (_("Rule that matched"), f"{route.rule_id} · {plan.get('rule_name', '')}"),
                    (_("Policy version"), route.policy_version),
                    (_("Status"), route.status),
                    (_("Started"), _when(route.created_at)),
                    (_("Completed"), _when(route.completed_at)),
                ],
                tables=[
                    Table(
                        _("Decisions"),
                        [
                            _("Step"),
                            _("Approver"),
                            _("On behalf of"),
                            _("Decision"),
                            _("Comment"),
                            _("Decided at"),
                            _("Why this step"),
                        ],
                        [
                            [
                                t.step.sequence,
                                _who(t.assignee),
                                _who(t.on_behalf_of) if t.on_behalf_of else "",
                                t.status,
                                t.comment,
                                _when(t.decided_at),
                                t.step.reason,
                            ]
                            for t in tasks
                        ],
                    )
                ],
            )
        )
    return sections


def _requisition(subject_id: str) -> Story | None:
    from apps.procurement.models import PurchaseOrder, Requisition

    r = (
        Requisition.objects.filter(pk=subject_id)
        .select_related("requester", "cost_center", "spend_category", "legal_entity", "supplier")
        .first()
    )
    if r is None:
        return None
    orders = list(PurchaseOrder.objects.filter(requisition=r).prefetch_related("lines"))
    sections = [
        Section(
            _("Requisition %s") % r.number,
            facts=[
                (_("Title"), r.title),
                (_("Requester"), _who(r.requester)),
                (_("Cost center"), r.cost_center.code),
                (_("Spend category"), r.spend_category.code),
                (_("Legal entity"), r.legal_entity.code),
                (_("Supplier"), r.supplier.name if r.supplier else "—"),
                (_("Amount"), money_text(r.total, r.currency)),
                (_("Status"), r.status),
            ],
            tables=[_lines_table(r.lines.all())],
        ),
        *_route_sections("requisition", str(r.pk)),
    ]
    subjects = [("requisition", str(r.pk))]
    for order in orders:
        receipts = list(order.receipts.select_related("received_by").prefetch_related("lines"))
        invoices = list(order.invoices.order_by("created_at"))
        sections.append(
            Section(
                _("Purchase order %s") % order.number,
                facts=[
                    (_("Status"), order.status),
                    (_("Total"), money_text(order.total, order.currency)),
                    (_("Issued"), _when(order.issued_at)),
                ],
                tables=[
                    _lines_table(order.lines.all()),
                    Table(
                        _("Goods receipts"),
                        [_("Receipt"), _("Received by"), _("At"), _("Quantities"), _("Note")],
                        [
                            [
                                g.number,
                                _who(g.received_by),
                                _when(g.received_at),
                                ", ".join(str(line.quantity) for line in g.lines.all()),
                                g.note,
                            ]
                            for g in receipts
                        ],
                    ),
                    Table(
                        _("Invoices"),
                        [_("Invoice"), _("Total"), _("Status"), _("Touchless")],
                        [
                            [
                                v.invoice_number,
                                money_text(v.total, v.currency),
                                v.status,
                                v.touchless,
                            ]
                            for v in invoices
                        ],
                    ),
                ],
            )
        )
        subjects += [("purchase_order", str(order.pk))]
        subjects += [("goods_receipt", str(g.pk)) for g in receipts]
        subjects += [("invoice", str(v.pk)) for v in invoices]
    return Story(_("Requisition %(n)s: %(t)s") % {"n": r.number, "t": r.title}, sections, subjects)


def _compared(line: Any) -> str:
    result = line.result
    if result is None or result.order_line_no is None:
        return "—"
    return _(
        "order line %(no)s: %(ordered)s ordered at %(price)s, %(received)s received, "
        "%(before)s invoiced before"
    ) % {
        "no": result.order_line_no,
        "ordered": quantity_text(result.ordered_quantity),
        "price": unit_price_text(result.order_unit_price),
        "received": quantity_text(result.received_quantity),
        "before": quantity_text(result.invoiced_before),
    }


def _invoice(subject_id: str) -> Story | None:
    from apps.invoices.models import Invoice
    from apps.invoices.selectors import invoice_tolerances, lines_with_results

    i = Invoice.objects.filter(pk=subject_id).select_related("supplier", "purchase_order").first()
    if i is None:
        return None
    lines = lines_with_results().filter(invoice=i)
    tolerances = invoice_tolerances(i)
    sections = [
        Section(
            _("Invoice %s") % i.invoice_number,
            facts=[
                (_("Supplier"), i.supplier.name),
                (_("Purchase order"), i.purchase_order.number if i.purchase_order else "—"),
                (_("Channel"), i.channel),
                (_("Original file"), f"{i.file_name} · SHA-256 {i.file_sha256 or '—'}"),
                (_("Total"), money_text(i.total, i.currency)),
                (_("Status"), i.status),
                (_("Touchless"), _("yes") if i.touchless else _("no")),
                (_("Policy version"), i.policy_version),
                (_("Tolerances applied"), tolerances),
            ],
            tables=[
                Table(
                    _("Match per line"),
                    [
                        _("Line"),
                        _("Description"),
                        _("Result"),
                        _("Price variance"),
                        _("Quantity variance"),
                        _("Compared with"),
                        _("Policy"),
                    ],
                    [
                        [
                            ln.line_no,
                            ln.description,
                            ln.match_status,
                            ln.price_variance,
                            ln.quantity_variance,
                            _compared(ln),
                            ln.match_policy_version,
                        ]
                        for ln in lines
                    ],
                ),
                Table(
                    _("Exceptions and resolutions"),
                    [_("Code"), _("Status"), _("Resolution"), _("By"), _("Comment")],
                    [
                        [e.code, e.status, e.resolution, _who(e.resolved_by), e.resolution_comment]
                        for e in i.exceptions.select_related("resolved_by").order_by("created_at")
                    ],
                ),
            ],
        ),
        *_route_sections("invoice", str(i.pk)),
    ]
    payments = list(i.payments.select_related("run__released_by").order_by("run__created_at"))
    sections[0].tables.append(
        Table(
            _("Payment release"),
            [_("Run"), _("Amount"), _("Discount"), _("Status"), _("Released by"), _("Released")],
            [
                [
                    p.run.number,
                    p.amount,
                    p.discount,
                    p.run.status,
                    _who(p.run.released_by),
                    _when(p.run.released_at),
                ]
                for p in payments
            ],
        )
    )
    manifest = [(i.file_name, _("invoice original"), i.file_sha256)] if i.file_sha256 else []
    title = _("Invoice %(n)s from %(s)s") % {"n": i.invoice_number, "s": i.supplier.name}
    subjects = [("invoice", str(i.pk))] + [("payment_run", str(p.run_id)) for p in payments]
    return Story(title, sections, subjects, manifest)


def _supplier(subject_id: str) -> Story | None:
    from apps.suppliers.models import Supplier

    s = Supplier.objects.filter(pk=subject_id).first()
    if s is None:
        return None
    documents = list(s.documents.order_by("doc_type", "version"))
    sections = [
        Section(
            _("Supplier %s") % s.name,
            facts=[
                (_("Country"), s.country),
                (_("Tax id"), f"{s.tax_id} ({_('valid') if s.tax_id_valid else _('not valid')})"),
                (_("Status"), s.status),
                (_("Screening"), s.screening),
            ],
            tables=[
                Table(
                    _("Checks"),
                    [_("Check"), _("Outcome"), _("Detail"), _("At")],
                    [
                        [c.kind, c.outcome, c.summary, _when(c.ran_at)]
                        for c in s.checks.order_by("ran_at")
                    ],
                ),
                Table(
                    _("Documents"),
                    [_("Type"), _("Version"), _("File"), _("SHA-256"), _("Expires")],
                    [
                        [d.doc_type, d.version, d.original_name, d.sha256, d.expires_on or "—"]
                        for d in documents
                    ],
                ),
                Table(
                    _("Screening hits and their review"),
                    [_("Matched"), _("List"), _("Status"), _("Decided by"), _("Reason")],
                    [
                        [h.matched_name, h.list_source, h.status, _who(h.reviewed_by), h.reason]
                        for h in s.screening_hits.select_related("reviewed_by")
                    ],
                ),
                Table(
                    _("Bank accounts"),
                    [_("Account"), _("Status"), _("Requested by"), _("Decided by")],
                    [
                        [f"…{b.last4}", b.status, _who(b.requested_by), _who(b.decided_by)]
                        for b in s.bank_accounts.select_related("requested_by", "decided_by")
                    ],
                ),
            ],
        ),
        *_route_sections("supplier", str(s.pk)),
    ]
    manifest = [(d.original_name, d.doc_type, d.sha256) for d in documents]
    return Story(_("Supplier %s") % s.name, sections, [("supplier", str(s.pk))], manifest)


def _purchase_order(subject_id: str) -> Story | None:
    from apps.procurement.models import PurchaseOrder

    order = PurchaseOrder.objects.filter(pk=subject_id).first()
    if order is None:
        return None
    story = _requisition(str(order.requisition_id))
    if story is None:
        return None
    story.title = _("Purchase order %s") % order.number
    return story


SUBJECTS = {
    "requisition": _requisition,
    "purchase_order": _purchase_order,
    "invoice": _invoice,
    "supplier": _supplier,
}


def _subject_model(subject_type: str) -> Any:
    from apps.invoices.models import Invoice
    from apps.procurement.models import PurchaseOrder, Requisition
    from apps.suppliers.models import Supplier

    return {
        "requisition": Requisition,
        "purchase_order": PurchaseOrder,
        "invoice": Invoice,
        "supplier": Supplier,
    }.get(subject_type)


def subject_exists(subject_type: str, subject_id: str) -> bool:
    """Every subject is keyed by a UUID; anything else names nothing."""
    from apps.api.ids import parse_uuid

    model, key = _subject_model(subject_type), parse_uuid(subject_id)
    return bool(model and key and model.objects.filter(pk=key).exists())


def subject_story(subject_type: str, subject_id: str) -> Story | None:
    gather = SUBJECTS.get(subject_type)
    return gather(subject_id) if gather and subject_exists(subject_type, subject_id) else None


# --------------------------------------------------------------------------- period


def _event_row(e: Any) -> list[Any]:
    return [_when(e.at), e.actor, e.action, f"{e.subject_type}:{e.subject_id}", e.data]


PERIOD_SECTIONS: list[tuple[str, Any]] = [
    (
        "Overrides",
        lambda e: (
            e.action == "invoice.exception_resolved"
            and (e.after or {}).get("resolution") in {"override", "release_duplicate"}
        ),
    ),
    (
        "Segregation-of-duties refusals",
        lambda e: e.action.endswith("_refused") or (e.data or {}).get("code") == "sod_violation",
    ),
    ("Policy changes", lambda e: e.action.startswith("policy.")),
    ("Role changes", lambda e: e.action in {"user.roles_changed", "user.created", "user.invited"}),
    ("Exceptions resolved", lambda e: e.action == "invoice.exception_resolved"),
]


def period_story(start: date, end: date, events: list[Any]) -> Story:
    from apps.invoices.models import InvoiceException
    from apps.policies.models import PolicyVersion
    from apps.policies.selectors import policy_diff

    sections = []
    for title, wanted in PERIOD_SECTIONS:
        rows = [_event_row(e) for e in events if wanted(e)]
        sections.append(
            Section(
                _(title),
                facts=[(_("Events"), len(rows))],
                tables=[
                    Table("", [_("At"), _("Actor"), _("Action"), _("Subject"), _("Data")], rows)
                ],
            )
        )
    low, high = period_bounds(start, end)
    published = PolicyVersion.objects.filter(published_at__range=(low, high)).order_by("number")
    diffs = []
    for version in published:
        before = PolicyVersion.objects.filter(number__lt=version.number).exclude(status="draft")
        previous = before.order_by("-number").first()
        diffs.append(
            [version.label, policy_diff(previous.document if previous else {}, version.document)]
        )
    sections[2].tables.append(Table(_("Differences"), [_("Version"), _("Diff")], diffs))
    duplicates = InvoiceException.objects.filter(
        code="duplicate_suspected", created_at__range=(low, high)
    ).select_related("invoice__supplier")
    sections.append(
        Section(
            _("Duplicates caught"),
            facts=[(_("Count"), len(duplicates))],
            tables=[
                Table(
                    "",
                    [_("Invoice"), _("Supplier"), _("Amount"), _("Status"), _("Resolution")],
                    [
                        [
                            d.invoice.invoice_number,
                            d.invoice.supplier.name,
                            money_text(d.invoice.total, d.invoice.currency),
                            d.status,
                            d.resolution,
                        ]
                        for d in duplicates
                    ],
                )
            ],
        )
    )
    title = _("Controls from %(a)s to %(b)s") % {
        "a": date_format(start, "SHORT_DATE_FORMAT"),
        "b": date_format(end, "SHORT_DATE_FORMAT"),
    }
    return Story(title, sections, [])
