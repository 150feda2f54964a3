"""`/audit/`: the audit trail with filters, the chain's state, and evidence packs
(auditors and tenant admins)."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.api.ids import parse_uuid
from apps.api.pages import refusal_shown
from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_search
from apps.policies.models import PolicyVersion
from apps.policies.selectors import policy_diff
from apps.workflow.models import ApprovalRoute

from .access_review import access_review, access_review_csv
from .api.views import pack_attachment
from .chain_checks import audit_chain_check
from .compliance import compliance_report_generate
from .models import ChainCheck, ComplianceReport, EvidencePack
from .packs import evidence_pack_download, evidence_pack_request, may_use_packs, recent_period
from .subjects import subject_asked, subject_by_number, subject_ref, subject_refs

PAGE_SIZE = 50
PENDING_PACKS = {"queued"}
FILTERS = (
    "subject_type", "subject_id", "subject", "actor", "action", "policy_version", "since", "until",
)  # fmt: skip


def _auditor(request: HttpRequest) -> User:
    if not may_use_packs(request.user):
        raise PermissionDenied
    return current_user(request)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_home(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    params = {k: request.GET.get(k, "").strip() for k in FILTERS}
    # a subject is asked for by the number or name people know it by; a trail link gives its id
    subject_id, not_found = params["subject_id"], ""
    if not subject_id and params["subject"]:
        subject_id, not_found = subject_asked(params["subject_type"], params["subject"])
    events = audit_search(
        subject_type=params["subject_type"],
        subject_id=subject_id,
        actor=params["actor"],
        action=params["action"],
        policy_version=params["policy_version"],
        since=_day(params["since"]),
        until=_day(params["until"]),
    )
    start, end = recent_period()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    refs = subject_refs(page)
    following = ""
    if params["subject_id"] and params["subject_type"]:
        following = subject_ref(params["subject_type"], params["subject_id"])
    packs = list(EvidencePack.objects.select_related("requested_by")[:20])
    pack_refs = subject_refs(p for p in packs if p.subject_type)
    return render(
        request,
        "audit/home.html",
        {
            "page": page,
            "rows": [
                (e, refs.get((e.subject_type, str(e.subject_id)), (str(e.subject_id), "")))
                for e in page
            ],
            "params": params,
            "following": following,
            "not_found": not_found,
            "last_check": ChainCheck.objects.first(),
            "packs": [
                (pack, pack_refs.get((pack.subject_type, str(pack.subject_id)), ("", ""))[0])
                for pack in packs
            ],
            "packs_pending": any(pack.status in PENDING_PACKS for pack in packs),
            "reports": ComplianceReport.objects.all()[:24],
            "period_start": start,
            "period_end": end,
        },
    )


@login_required
@require_POST
def pack_request(request: HttpRequest) -> HttpResponse:
    user = _auditor(request)
    reference = request.POST.get("subject", "").strip()
    with refusal_shown(request):
        if "subject" in request.POST:
            # a business number (or a supplier's name) names its kind; a kind given narrows it
            subject_type, subject_id = subject_by_number(
                reference, kind=request.POST.get("subject_type", "").strip()
            )
            pack = evidence_pack_request(
                actor=user, subject_type=subject_type, subject_id=subject_id
            )
        else:
            pack = evidence_pack_request(
                actor=user,
                period_start=_day(request.POST.get("period_start", "")),
                period_end=_day(request.POST.get("period_end", "")),
            )
        what = (
            f"{reference}"
            if pack.subject_type
            else _("%(start)s to %(end)s")
            % {
                "start": date_format(pack.period_start or "", "SHORT_DATE_FORMAT"),
                "end": date_format(pack.period_end or "", "SHORT_DATE_FORMAT"),
            }
        )
        messages.success(
            request,
            _("The evidence pack for %s is being prepared; the list updates when it is ready.")
            % what,
        )
    return redirect(request.POST.get("next") or "audit-home")


@login_required
def pack_download(request: HttpRequest, pack_id: str) -> FileResponse:
    pack = evidence_pack_download(actor=_auditor(request), pack_id=parse_uuid(pack_id))
    if pack is None:
        raise Http404
    return pack_attachment(pack)


@login_required
@require_POST
def chain_check(request: HttpRequest) -> HttpResponse:
    check = audit_chain_check(trigger="on_demand", actor=_auditor(request))
    if check.valid:
        messages.success(request, _("The audit chain is intact (%s events).") % check.count)
    else:
        messages.error(request, _("The audit chain is broken at event %s.") % check.first_bad)
    return redirect("audit-home")


# --------------------------------------------------------------------------- reports
@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    """On demand: last month's control report (the monthly one is made by beat)."""
    user = _auditor(request)
    start, end = recent_period()
    compliance_report_generate(start=start, end=end, trigger="on_demand", actor=user)
    messages.success(request, _("The control report is ready below and was e-mailed."))
    return redirect("audit-home")


@login_required
def report_file(request: HttpRequest, report_id: str, kind: str) -> FileResponse:
    _auditor(request)
    key = parse_uuid(report_id)
    report = ComplianceReport.objects.filter(pk=key).first() if key else None
    if report is None or kind not in ("pdf", "csv"):
        raise Http404
    path = report.pdf_file if kind == "pdf" else report.csv_file
    return FileResponse(
        default_storage.open(path, "rb"),
        as_attachment=True,
        filename=f"controls-{report.period_start:%Y-%m}.{kind}",
        content_type="application/pdf" if kind == "pdf" else "text/csv",
    )


@login_required
def access_review_page(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    rows = access_review()
    if request.GET.get("format") == "csv":
        response = HttpResponse(access_review_csv(rows), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="access-review.csv"'
        return response
    return render(request, "audit/access_review.html", {"rows": rows})


@login_required
def policy_history(request: HttpRequest) -> HttpResponse:
    """Every policy version, what changed from the one before, and how much used it."""
    _auditor(request)
    versions = list(PolicyVersion.objects.select_related("created_by").order_by("-number"))
    routes = dict(
        ApprovalRoute.objects.values_list("policy_version").annotate(n=Count("id")).order_by()
    )
    events = dict(
        AuditEvent.objects.exclude(policy_version=None)
        .values_list("policy_version")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = []
    for i, version in enumerate(versions):
        previous = next((v for v in versions[i + 1 :] if v.status != "draft"), None)
        rows.append(
            {
                "version": version,
                "previous": previous,
                "routes": routes.get(version.label, 0),
                "events": events.get(version.label, 0),
            }
        )
    return render(request, "audit/policy_history.html", {"rows": rows})


@login_required
def policy_version_diff(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    numbers = [request.GET.get("from", ""), request.GET.get("to", "")]
    found = {
        v.number: v
        for v in PolicyVersion.objects.filter(number__in=[n for n in numbers if n.isdigit()])
    }
    old, new = (found.get(int(n)) if n.isdigit() else None for n in numbers)
    if old is None or new is None:
        raise Http404
    return render(
        request,
        "policies/policy_diff.html",
        {"old": old, "new": new, "diff": policy_diff(old.document, new.document)},
    )


@login_required
def policy_version_view(request: HttpRequest, number: int) -> HttpResponse:
    _auditor(request)
    version = PolicyVersion.objects.select_related("created_by").filter(number=number).first()
    if version is None:
        raise Http404
    document = json.dumps(version.document, indent=2, sort_keys=True, ensure_ascii=False)
    return render(request, "audit/policy_version.html", {"version": version, "document": document})
