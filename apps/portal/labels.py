"""The words people read instead of codes: one lookup for every kind of code the pages show
(exception codes and categories, queues, resolutions, match kinds, document types, risk
reasons, roles, audit actions and subjects). Each context keeps the labels beside its codes
(apps.invoices.exception_codes, apps.suppliers.models, …); this module is the one place the
pages ask, through the `label` template filter (`{{ code|label:"exception_code" }}`), and a test
checks that every code has a label and that no page shows a raw one. All labels are
translatable."""

from __future__ import annotations

from functools import cache

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.roles import CAPABILITY_LABELS, ROLE_LABELS
from apps.invoices.exception_codes import (
    CATEGORY_LABELS,
    CODE_LABELS,
    CODES,
    MATCH_KINDS,
    QUEUES,
    RESOLUTION_LABELS,
    RESOLUTIONS,
)
from apps.policies.supplier_section import RISK_REASON_LABELS, RISK_REASONS
from apps.sanctions.models import SOURCE_LABELS
from apps.suppliers.models import DOCUMENT_TYPES
from apps.tenancy.partner_roles import PARTNER_CAPABILITY_LABELS, PARTNER_ROLE_LABELS

# Audit actions (`subject.verb`), as the trail records them.
ACTION_LABELS: dict[str, str | Promise] = {
    # partner people and their two-step sign-in (public schema; apps/partners/people)
    "partner_user.invited": _("Partner person invited"),
    "partner_user.role_changed": _("Partner role changed"),
    "partner_user.removed": _("Partner person removed"),
    "partner_user.mfa_reset": _("Two-step sign-in reset by an admin"),
    "mfa_device.enrolled": _("Two-step sign-in set up"),
    "mfa_device.removed": _("Authenticator removed"),
    "mfa_device.recovery_codes_renewed": _("New recovery codes made"),
    "mfa_device.passkey_registered": _("Passkey added"),
    "mfa_device.passkey_removed": _("Passkey removed"),
    "user_session.revoked": _("Sign-in session ended"),
    "api_token.issued": _("API token issued"),
    "approval.approved": _("Approved"),
    "approval.rejected": _("Rejected"),
    "approval.delegated": _("Approval delegated"),
    "approval.escalated": _("Approval escalated"),
    "approval.route_cancelled": _("Approval route cancelled"),
    "approval.step_opened": _("Approval step opened"),
    "audit_chain.broken": _("Audit chain found broken"),
    "budget.created": _("Budget created"),
    "budget.updated": _("Budget changed"),
    "compliance_report.generated": _("Control report made"),
    "cost_center.created": _("Cost center created"),
    "cost_center.updated": _("Cost center changed"),
    "delegation.created": _("Out-of-office delegation set"),
    "evidence_pack.downloaded": _("Evidence pack downloaded"),
    "evidence_pack.failed": _("Evidence pack failed"),
    "evidence_pack.generated": _("Evidence pack made"),
    "evidence_pack.requested": _("Evidence pack requested"),
    "fx_rate.created": _("Exchange rate added"),
    "fx_rate.updated": _("Exchange rate changed"),
    "goods_receipt.posted": _("Goods received"),
    "invoice.approved": _("Invoice approved"),
    "invoice.credit_note_linked": _("Credit note linked to the invoice it credits"),
    "invoice.credit_note_partial": _("Credit note received in part"),
    "invoice.credit_note_received": _("Credit note received"),
    "invoice.credit_note_requested": _("Credit note requested"),
    "invoice.duplicate_release_requested": _("Release of a possible duplicate requested"),
    "invoice.exception_assigned": _("Exception assigned"),
    "invoice.exception_commented": _("Exception commented"),
    "invoice.exception_resolved": _("Exception resolved"),
    "invoice.matched": _("Invoice matched"),
    "invoice.paid": _("Invoice paid"),
    "invoice.received": _("Invoice received"),
    "invoice.rejected": _("Invoice rejected"),
    "invoice.rematch_requested": _("Matching asked again"),
    "invoice.route_started": _("Invoice approval started"),
    "legal_entity.created": _("Legal entity created"),
    "legal_entity.updated": _("Legal entity changed"),
    "paying_account.created": _("Paying account set"),
    "paying_account.updated": _("Paying account changed"),
    "payment_run.cancelled": _("Payment run cancelled"),
    "payment_run.paid": _("Payment run paid"),
    "payment_run.proposed": _("Payment run proposed"),
    "payment_run.released": _("Payment run released"),
    "policy.draft_created": _("Policy draft created"),
    "policy.draft_updated": _("Policy draft changed"),
    "policy.published": _("Policy published"),
    "policy.management_set": _("Policy template adopted by the partner"),
    "template.version_created": _("Policy template version written"),
    "template.published": _("Policy template published"),
    "purchase_order.acknowledged": _("Order acknowledged by the supplier"),
    "purchase_order.issued": _("Purchase order issued"),
    "requisition.approved": _("Requisition approved"),
    "requisition.cancelled": _("Requisition cancelled"),
    "requisition.created": _("Requisition created"),
    "requisition.ordered": _("Requisition ordered"),
    "requisition.rejected": _("Requisition rejected"),
    "requisition.sourced": _("Supplier chosen by a buyer"),
    "webhook.test": _("Webhook test event"),
    "webhook_endpoint.created": _("Webhook endpoint added"),
    "chat_approvals.updated": _("Slack and Teams approvals changed"),
    "webhook_endpoint.updated": _("Webhook endpoint changed"),
    "webhook_endpoint.deleted": _("Webhook endpoint removed"),
    "webhook_endpoint.secret_rotated": _("Webhook secret rotated"),
    "webhook_endpoint.tested": _("Webhook test event sent"),
    "webhook_endpoint.recovered": _("Failed webhook deliveries sent again"),
    "webhook_delivery.retried": _("Webhook delivery sent again"),
    "erp_connection.created": _("ERP connected"),
    "erp_connection.secret_rotated": _("ERP connection secret rotated"),
    "erp_connection.deleted": _("ERP connection removed"),
    "erp_event.reapplied": _("ERP event applied again"),
    "erp_event.discarded": _("ERP event discarded"),
    "erp.reconciled": _("Reconciled with the ERP"),
    "service_account.created": _("Service account created"),
    "service_account.key_rotated": _("Service account key rotated"),
    "service_account.revoked": _("Service account revoked"),
    "service_account.called": _("API called by a service account"),
    "invoice.posted": _("Invoice posted by the ERP"),
    "payment_run.invoice_dropped": _("Invoice left the payment run (paid outside it)"),
    "invoice.erp_payment_recorded": _("Payment reported by the ERP"),
    "invoice.exception_raised": _("Exception raised"),
    "invoice.supplier_chosen": _("Supplier chosen among several matching"),
    "invoice.lines_confirmed": _("Order lines confirmed as the invoice's lines"),
    "bank_statement.imported": _("Bank statement read"),
    "mail_message.received": _("Invoice e-mail received"),
    "mail_message.quarantined": _("Invoice e-mail quarantined"),
    "mail_message.assigned": _("Quarantined e-mail assigned to a supplier"),
    "mail_message.discarded": _("Quarantined e-mail discarded"),
    "mailbox.created": _("Invoice mailbox (IMAP) set up"),
    "mailbox.updated": _("Invoice mailbox (IMAP) changed"),
    "requisition.submitted": _("Requisition submitted"),
    "requisition.contract_linked": _("Requisition linked to the contract its note named"),
    "contract.created": _("Contract registered"),
    "contract.updated": _("Contract draft changed"),
    "contract.amended": _("Contract amended"),
    "contract.document_uploaded": _("Signed contract stored"),
    "contract.submitted": _("Contract sent for approval"),
    "contract.activated": _("Contract activated"),
    "contract.rejected": _("Contract approval rejected"),
    "contract.terminated": _("Contract terminated"),
    "contract.expiring": _("Contract ending: owner told"),
    "contract.expired": _("Contract expired"),
    "contract.renewed": _("Contract renewed automatically"),
    "catalog.imported": _("Contract catalog imported"),
    "catalog.item_added": _("Contract catalog item added"),
    "requisition.updated": _("Requisition changed"),
    "requisition.withdrawn": _("Requisition withdrawn"),
    "spend_category.created": _("Spend category created"),
    "spend_category.updated": _("Spend category changed"),
    "supplier.approved": _("Supplier approved"),
    "supplier.bank_account_approved": _("Bank account approved"),
    "supplier.bank_account_callback_recorded": _("Bank call-back recorded"),
    "supplier.bank_account_rejected": _("Bank account rejected"),
    "supplier.bank_account_requested": _("Bank account change requested"),
    "supplier.bank_account_sharing_cleared": _("Shared bank account cleared"),
    "supplier.blocked": _("Supplier blocked"),
    "supplier.checks_run": _("Supplier checks run"),
    "supplier.document_expired": _("Supplier document expired"),
    "supplier.document_expiring": _("Supplier document expiring"),
    "supplier.document_uploaded": _("Supplier document uploaded"),
    "supplier.invitation_accepted": _("Supplier invitation accepted"),
    "supplier.invitation_resent": _("Supplier invitation sent again"),
    "supplier.invited": _("Supplier invited"),
    "supplier.profile_updated": _("Supplier profile changed"),
    "supplier.rejected": _("Supplier rejected"),
    "supplier.reopened": _("Supplier reopened"),
    "supplier.route_failed": _("Supplier approval could not be routed"),
    "supplier.route_started": _("Supplier approval started"),
    "supplier.screening_false_positive": _("Sanctions hit cleared as a false positive"),
    "supplier.screening_true_match": _("Sanctions hit confirmed"),
    "supplier.submitted": _("Supplier submitted its profile"),
    "supplier_question.replied": _("Supplier question answered by AP"),
    "tenant.backed_up": _("Tenant backed up"),
    "tenant.branding_changed": _("Branding changed"),
    "tenant.offboarded": _("Tenant offboarded: its data deleted"),
    "tenant.offboarding_cancelled": _("Tenant offboarding cancelled"),
    "tenant.offboarding_started": _("Tenant offboarding started"),
    "tenant.provisioned": _("Tenant created"),
    "tenant.sandbox_provisioned": _("Sandbox tenant created"),
    "sandbox.created": _("Sandbox filled from its production tenant"),
    "approval_limit.set": _("Approval limit set"),
    "tenant.reactivated": _("Tenant reactivated"),
    "tenant.restored": _("Tenant restored"),
    "tenant.suspended": _("Tenant suspended"),
    # support access (apps.partners.support)
    "support.request": _("Page or API call under partner support access"),
    "support_access.requested": _("Partner support access requested"),
    "support_access.opened": _("Emergency partner support access opened (pre-approved)"),
    "support_access.approved": _("Partner support access approved"),
    "support_access.refused": _("Partner support access refused"),
    "support_access.revoked": _("Partner support access revoked"),
    "support_access.expired": _("Partner support access ended (time up)"),
    "support_access.request_lapsed": _("Partner support request lapsed unanswered"),
    "support_access.entered": _("Partner support person entered the portal"),
    "support_access.setting_changed": _("Emergency support access setting changed"),
    "user.created": _("User created"),
    "user.invitation_accepted": _("User invitation accepted"),
    "user.invited": _("User invited"),
    "user.roles_changed": _("Roles changed"),
    # a leaver (apps.accounts.leavers) and provisioning (apps.scim)
    "user.profile_changed": _("User's name or e-mail changed"),
    "user.deactivated": _("User deactivated: access ended, work moved"),
    "user.reactivated": _("User reactivated"),
    "user.provisioning_linked": _("User linked to the identity provider"),
    "user.deprovisioned": _("User deleted by the identity provider (kept, deactivated)"),
    "approval.reassigned": _("Approval task reassigned: its approver left"),
    "invoice.exception_unassigned": _("Exception back to its queue: its assignee left"),
    "contract.owner_changed": _("Contract owner changed: the owner left"),
    "user.created_by_sso": _("User created at their first single sign-on"),
    "sso.connection_saved": _("Single sign-on settings saved"),
    "sso.tested": _("Single sign-on test succeeded"),
    "sso.enforced": _("Single sign-on enforced"),
    "sso.enforcement_ended": _("Single sign-on no longer enforced"),
    "sso.signed_in": _("Signed in through single sign-on"),
    "sso.sign_in_refused": _("Single sign-on response refused"),
    "sso.break_glass_sign_in": _("Break-glass admin signed in with a password"),
}
SUBJECT_LABELS: dict[str, str | Promise] = {
    "sso_connection": _("Single sign-on"),
    "partner_user": _("Partner person"),
    "requisition": _("Requisition"),
    "contract": _("Contract"),
    "purchase_order": _("Purchase order"),
    "goods_receipt": _("Goods receipt"),
    "invoice": _("Invoice"),
    "supplier_question": _("Supplier question"),
    "payment_run": _("Payment run"),
    "supplier": _("Supplier"),
    "user": _("User"),
    "policy": _("Policy"),
    "policy_template": _("Policy template"),
    "evidence_pack": _("Evidence pack"),
    "compliance_report": _("Control report"),
    "audit_chain": _("Audit chain"),
    "tenant": _("Tenant"),
    "legal_entity": _("Legal entity"),
    "cost_center": _("Cost center"),
    "spend_category": _("Spend category"),
    "budget": _("Budget"),
    "fx_rate": _("Exchange rate"),
    "paying_account": _("Paying account"),
    "delegation": _("Delegation"),
    "approval_route": _("Approval route"),
    "api_token": _("API token"),
    "webhook_endpoint": _("Webhook endpoint"),
    "chat_approvals": _("Slack and Teams approvals"),
    "erp_connection": _("ERP connection"),
    "erp_event": _("ERP event"),
    "reconciliation_run": _("ERP reconciliation"),
    "service_account": _("Service account"),
    "bank_statement": _("Bank statement"),
    "mail_message": _("Invoice e-mail"),
    "mailbox": _("Invoice mailbox"),
    "access_grant": _("Support access grant"),
    "approval_limit": _("Approval limit"),
}


# an action whose outcome changes what happened, by the status it left its subject in: the
# history says "matched with exceptions", not "matched", when matching held the invoice
OUTCOME_LABELS: dict[tuple[str, str], str | Promise] = {
    ("invoice.matched", "exception"): _("Invoice matched with exceptions"),
    ("invoice.matched", "pending_approval"): _("Invoice matched, to be approved"),
    ("invoice.matched", "approved"): _("Invoice matched and approved"),
}


def event_label(action: str, after: object) -> str:
    """What a trail event did, for people: its action's label, told apart by the status it
    left the subject in where that is what happened."""
    status = after.get("status") if isinstance(after, dict) else None
    found = OUTCOME_LABELS.get((action, str(status)))
    return str(found) if found is not None else label(action, "event")


# who acted, where it was not a person: the trail records `system:<job>` for Spendgate's own
# jobs, `erp:<connection>` for an ERP and `partner:<e-mail>` for the partner
SYSTEM_ACTOR_LABELS: dict[str, str | Promise] = {
    "": _("Spendgate"),
    "alerts": _("Spendgate (business alerts)"),
    "audit": _("Spendgate (audit chain check)"),
    "backup": _("Spendgate (backups)"),
    "checks": _("Spendgate (supplier checks)"),
    "contracts": _("Spendgate (contract register)"),
    "mail": _("Spendgate (invoice e-mail)"),
    "matching": _("Spendgate (invoice matching)"),
    "policy": _("Spendgate (policy)"),
    "procurement": _("Spendgate (purchasing)"),
    "renewals": _("Spendgate (contract renewals)"),
    "reports": _("Spendgate (control reports)"),
    "routing": _("Spendgate (approval routing)"),
    "screening": _("Spendgate (sanctions screening)"),
    "seed": _("Spendgate (demo set-up)"),
    "sla": _("Spendgate (deadlines)"),
    "spend_coding": _("Spendgate (spend coding)"),
    "sso": _("Spendgate (single sign-on)"),
    "support_access": _("Spendgate (support access)"),
    "workflow": _("Spendgate (approvals)"),
}


def actor_label(actor: object) -> str:
    """Who acted, for people: a person by their e-mail, Spendgate's own jobs by what they do,
    an ERP by its connection's name, the partner by its e-mail."""
    text = str(actor or "system")
    kind, _sep, name = text.partition(":")
    if kind == "system":
        found = SYSTEM_ACTOR_LABELS.get(name)
        if found is None:
            return str(_("Spendgate (%(job)s)") % {"job": name.replace("_", " ")})
        return str(found)
    if kind == "erp" and name:
        return str(_("ERP %(name)s") % {"name": name})
    if kind == "partner" and name:
        return str(_("Partner %(email)s") % {"email": name})
    return text


# how a chain check or a control report came about
TRIGGER_LABELS: dict[str, str | Promise] = {
    "nightly": _("nightly check"),
    "weekly": _("weekly check"),
    "on_demand": _("checked on demand"),
    "pack": _("checked for an evidence pack"),
    "monthly": _("monthly"),
}

# what a chain check read (apps.assurance.checkpoints)
CHAIN_SCOPE_LABELS: dict[str, str | Promise] = {
    "full": _("whole chain"),
    "incremental": _("since the checkpoint before"),
    "pack": _("a pack's events"),
}


@cache
def registry() -> dict[str, dict[str, str | Promise]]:
    return {
        "exception_code": dict(CODE_LABELS),
        "exception_category": dict(CATEGORY_LABELS),
        "queue": {code: label for code, (_perm, label) in QUEUES.items()},
        "resolution": dict(RESOLUTION_LABELS),
        "match_kind": dict(MATCH_KINDS),
        "document_type": dict(DOCUMENT_TYPES),
        "risk_reason": dict(RISK_REASON_LABELS),
        "role": dict(ROLE_LABELS),
        "capability": dict(CAPABILITY_LABELS),
        "event": dict(ACTION_LABELS),
        "subject": dict(SUBJECT_LABELS),
        "trigger": dict(TRIGGER_LABELS),
        "chain_scope": dict(CHAIN_SCOPE_LABELS),
        "sanctions_list": dict(SOURCE_LABELS),
        "partner_role": dict(PARTNER_ROLE_LABELS),
        "partner_capability": dict(PARTNER_CAPABILITY_LABELS),
        "actor": {f"system:{job}": text for job, text in SYSTEM_ACTOR_LABELS.items() if job},
    }


def registry_codes() -> set[str]:
    return {code for labels in registry().values() for code in labels}


def label(code: object, kind: str) -> str:
    """The label of a code; a code the registry does not know is shown as words (never with
    its underscores), so a new one is readable until it gets its label."""
    text = str(code or "")
    found = registry().get(kind, {}).get(text)
    if found is not None:
        return str(found)
    words = text.replace("_", " ").replace(".", ": ", 1).strip()
    return words[:1].upper() + words[1:]


def missing_labels() -> dict[str, set[str]]:
    """Codes defined by the contexts without a label (the registry's completeness test)."""
    categories = {category for category, _queue, _text in CODES.values()}
    return {
        "exception_code": set(CODES) - set(CODE_LABELS),
        "exception_category": categories - set(CATEGORY_LABELS),
        "resolution": set(RESOLUTIONS) - set(RESOLUTION_LABELS),
        "risk_reason": set(RISK_REASONS) - set(RISK_REASON_LABELS),
        "capability": {code for code, _name in User._meta.permissions} - set(CAPABILITY_LABELS),
    }
