"""Support access (public schema): a partner support person asks a client tenant for
time-boxed access with a reason and a scope; the tenant's admins approve or refuse; the access
ends by itself. The grant is the only key to a tenant's rows a partner person ever holds
(apps.partners.support)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.tenancy.models import Client, Partner

READ_SCOPE = "read"
MAX_HOURS = 8
# a request nobody answered lapses: the need behind it has passed, and an old request
# approved by mistake would open the tenant to a question nobody is asking any more
ANSWER_HOURS = 72
# the capabilities a support grant may lend for writing (apps.partners.support.scopes)
WRITE_SCOPES = {
    "process_invoices": _("work invoices and exceptions"),
    "manage_suppliers": _("invite and review suppliers"),
    "manage_reference_data": _("change reference data"),
    "manage_purchase_orders": _("issue and change purchase orders"),
    "post_goods_receipt": _("post goods receipts"),
    "manage_contracts": _("register contracts and their catalogs"),
}
SCOPE_LABELS = {READ_SCOPE: _("read only"), **WRITE_SCOPES}


class AccessGrant(models.Model):
    """One request for support access to one client tenant, and what became of it.

    `expires_at` is the control: an active grant past it counts as expired everywhere at once
    (the gate, the lists, the API), whether or not its status was written yet."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the client")
        ACTIVE = "active", _("Active")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.ACTIVE, Status.REFUSED, Status.EXPIRED},
        Status.ACTIVE: {Status.REVOKED, Status.EXPIRED},
        Status.REFUSED: set(),
        Status.EXPIRED: set(),
        Status.REVOKED: set(),
    }

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="access_grants")
    # the partner person (public schema). Never followed on a tenant's host: there the user
    # table on the search path is the tenant's own, so the person is also kept by e-mail and
    # name, and tenant-side code reads only those.
    partner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    partner_user_email = models.EmailField()
    partner_user_name = models.CharField(max_length=300, blank=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="access_grants")
    reason = models.TextField()
    # "read", or one named write capability (apps.partners.support.scopes)
    scope = models.CharField(max_length=40, default=READ_SCOPE)
    hours = models.PositiveSmallIntegerField()
    emergency = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    # tenant users live in the tenant's schema: the decider is kept by e-mail, never by key
    decided_by = models.CharField(max_length=254, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=254, blank=True)
    # the stand-in user in the tenant's schema (an id there, no foreign key across schemas)
    standin_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["client", "status"], name="access_grant_client")]

    def __str__(self) -> str:
        return f"support access {self.pk} to {self.client_id}"

    def is_live(self, now: datetime | None = None) -> bool:
        """Active and not past its end: the only state in which it opens the tenant."""
        now = now or timezone.now()
        return (
            self.status == self.Status.ACTIVE
            and self.expires_at is not None
            and self.expires_at > now
        )

    def is_unanswered_too_long(self, now: datetime | None = None) -> bool:
        """Waiting for the client longer than ANSWER_HOURS: it can no longer be approved."""
        now = now or timezone.now()
        return self.status == self.Status.PENDING and self.requested_at <= now - timedelta(
            hours=ANSWER_HOURS
        )

    @property
    def current_status(self) -> str:
        """The status as it stands now: an active grant past its end, and a request waiting
        past ANSWER_HOURS, are expired."""
        if self.status == self.Status.ACTIVE and not self.is_live():
            return self.Status.EXPIRED
        if self.is_unanswered_too_long():
            return self.Status.EXPIRED
        return self.status

    @property
    def current_status_label(self) -> str:
        return str(self.Status(self.current_status).label)

    @property
    def partner_person(self) -> str:
        return self.partner_user_name or self.partner_user_email

    @property
    def scope_label(self) -> str:
        return str(SCOPE_LABELS.get(self.scope, self.scope))

    @property
    def is_read_only(self) -> bool:
        return self.scope == READ_SCOPE


class SupportHandoff(models.Model):
    """A single-use, short-lived ticket from the partner console to the client's portal: only
    its SHA-256 digest is kept; it opens the tenant once, within its minute."""

    grant = models.ForeignKey(AccessGrant, on_delete=models.CASCADE, related_name="handoffs")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"hand-off for grant {self.grant_id}"


class SupportAccessSetting(models.Model):
    """A client tenant's choice about support access, set by its admins: whether an emergency
    read-only request opens at once (the admins are told) instead of waiting for approval."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="support_access_setting"
    )
    emergency_read_preapproved = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.CharField(max_length=254, blank=True)

    def __str__(self) -> str:
        return f"support access setting of {self.client_id}"
