from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from .partner_roles import PARTNER_ADMIN, PARTNER_ROLE_LABELS

REGION = RegexValidator(
    r"^[a-z][a-z0-9-]{1,15}$", _("Name the region in lower case, e.g. eu or us.")
)


def default_region() -> str:
    """A tenant lives in the region of the deployment that creates it."""
    return str(settings.SPENDGATE_REGION)


HEX_COLOUR = RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Use a colour in the form #RRGGBB."))
SLUG = RegexValidator(
    r"^[a-z][a-z0-9]{1,30}$",
    _("Use 2 to 31 lower-case letters and digits, starting with a letter."),
)


def TIME_ZONE(value: str) -> None:
    """An IANA time zone this machine knows (Europe/Berlin, America/New_York, UTC)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Use an IANA time zone such as Europe/Berlin.")) from exc


# Schemas that a client slug may never take.
RESERVED_SLUGS = {"public", "www", "admin", "api", "partner", "static", "media", "pg", "tenant"}


# django-stubs cannot see the reverse manager of a TenantMixin model's foreign key.
class Partner(models.Model):  # type: ignore[django-manager-missing]
    """An MSP, ERP partner or integrator who runs Spendgate for its client companies."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class PartnerMembership(models.Model):
    """A public-schema user who administers a partner's client tenants."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    # apps.tenancy.partner_roles: what this person may do on the public host
    role = models.CharField(
        max_length=24,
        choices=[(k, v) for k, v in PARTNER_ROLE_LABELS.items()],
        default=PARTNER_ADMIN,
    )

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"

    @property
    def capabilities(self) -> set[str]:
        from .partner_roles import PARTNER_ROLE_CAPABILITIES

        return PARTNER_ROLE_CAPABILITIES.get(self.role, set())


class ClientManager(models.Manager["Client"]):
    """Client tenants that still have a schema. An offboarded client's row stays as a
    tombstone (the public trail, its days and standing keep their subject) but its schema is
    dropped, so nothing that walks the tenants (beat's fan-out, `migrate_schemas`, the
    console, cross-tenant figures) may see it: `Client.tombstones_included` does."""

    def get_queryset(self) -> models.QuerySet[Client]:
        return super().get_queryset().exclude(status="offboarded")


class Client(TenantMixin):
    """A client company: one tenant, one schema, one brand."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        # export made, deletion scheduled (apps/partners/services/lifecycle.py)
        OFFBOARDING = "offboarding", _("Offboarding")
        # schema dropped; the row is a tombstone
        OFFBOARDED = "offboarded", _("Offboarded")

    class Kind(models.TextChoices):
        PRODUCTION = "production", _("Production")
        SANDBOX = "sandbox", _("Sandbox")

    # suspended → offboarding only: its people are shut out before its data is exported;
    # offboarding → suspended cancels before the deletion date
    TRANSITIONS: dict[str, set[str]] = {
        Status.ACTIVE: {Status.SUSPENDED},
        Status.SUSPENDED: {Status.ACTIVE, Status.OFFBOARDING},
        Status.OFFBOARDING: {Status.SUSPENDED, Status.OFFBOARDED},
        Status.OFFBOARDED: set(),
    }

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="clients", null=True, blank=True
    )
    slug = models.SlugField(max_length=31, unique=True, validators=[SLUG])
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # when it was last suspended: the time its clocks (a failing webhook's 5 days) stood still
    suspended_at = models.DateTimeField(null=True, blank=True)
    # the tenant's day (insights' periods, daily figures): an IANA zone name
    time_zone = models.CharField(max_length=64, default="UTC", validators=[TIME_ZONE])
    default_language = models.CharField(max_length=8, default="en")
    # Branding: validated values only; rendered as CSS custom properties, never raw CSS/HTML.
    portal_name = models.CharField(max_length=80)
    primary_color = models.CharField(max_length=7, default="#0B5FFF", validators=[HEX_COLOUR])
    accent_color = models.CharField(max_length=7, default="#111827", validators=[HEX_COLOUR])
    logo_content_type = models.CharField(max_length=32, blank=True)
    support_email = models.EmailField(blank=True)
    branding_version = models.PositiveIntegerField(default=1)
    # A sandbox holds a production tenant's configuration with generated people and suppliers
    # in their place; its mail stays in the demo mail store and its webhooks reach test
    # receivers only (docs/partners.md, "Sandbox tenants").
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PRODUCTION)
    sandbox_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="sandboxes"
    )
    # where its data lives (docs/residency.md): only the deployment of this region serves it,
    # stores its files and opens its outbound connections
    region = models.CharField(max_length=16, default=default_region, validators=[REGION])
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    objects = ClientManager()
    tombstones_included: models.Manager[Client] = models.Manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> bool:
        """Clone the template schema, rows of django_migrations included, and stop there.

        The template is migrated by every `migrate_schemas` run, so the clone already holds
        every migration and its record; django-tenants' extra `migrate_schemas --fake` pass
        would only repeat that bookkeeping (and costs seconds per tenant).
        """
        from django_tenants.utils import get_creation_fakes_migrations, schema_exists

        from .cloning import clone_schema

        if self.status == self.Status.OFFBOARDED:
            # django-tenants makes a saved tenant's missing schema again: a tombstone's schema
            # was dropped on purpose and never comes back
            return False
        template = settings.TENANT_BASE_SCHEMA
        cloning = get_creation_fakes_migrations() and schema_exists(template)
        if not sync_schema or self.is_public or not cloning:
            return bool(super().create_schema(check_if_exists, sync_schema, verbosity))
        if check_if_exists and schema_exists(self.schema_name):
            return False
        clone_schema(template, self.schema_name)
        return True

    @property
    def is_public(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def is_serving(self) -> bool:
        """Its people, integrations and periodic work run: only while active. Suspended and
        offboarding tenants keep their data and answer as suspended."""
        return self.status == self.Status.ACTIVE

    @property
    def is_sandbox(self) -> bool:
        return self.kind == self.Kind.SANDBOX


class Domain(DomainMixin):
    pass


class BrandLogo(models.Model):
    """A tenant's logo, re-encoded by Pillow. Kept apart from Client so the tenant lookup on
    every request does not load image bytes."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="brand_logo")
    data = models.BinaryField()
    content_type = models.CharField(max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"logo of {self.client}"


class ClientDay(models.Model):
    """One client tenant's figures for one of its own days (its `time_zone`), kept in the
    public schema by insights' hourly rollup (apps.insights.tasks.roll_up_client_days) so the
    partner's console reads counts without opening a tenant's schema. Counts only: no row of
    the tenant is named here. Exceptions are a snapshot at the day's end (or at computation,
    for the day still running); health is the snapshot at `computed_at`."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    active_users = models.PositiveIntegerField(default=0)
    requisitions_submitted = models.PositiveIntegerField(default=0)
    invoices_received = models.PositiveIntegerField(default=0)
    invoices_decided = models.PositiveIntegerField(default=0)
    invoices_touchless = models.PositiveIntegerField(default=0)
    exceptions_open = models.PositiveIntegerField(default=0)
    exceptions_overdue = models.PositiveIntegerField(default=0)
    approvals_decided = models.PositiveIntegerField(default=0)
    # {bucket's lower edge in hours: decisions} (apps.tenancy.client_days.hour_bucket)
    approval_hours = models.JSONField(default=dict, blank=True)
    last_activity = models.DateTimeField(null=True, blank=True)
    # {failing_webhooks, failing_erp, stuck_tasks}: counts
    health = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "day"]
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="client_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.day}"


class ClientStanding(models.Model):
    """One client tenant's standing now, as its partner's console lists it: who uses the portal,
    what it handles this month, what needs attention and how far its set-up is. Kept in the
    public schema by insights' hourly rollup (and at provisioning) so the console reads every
    client in one query and never opens a tenant's schema. Counts only."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="standing")
    # people (not suspended) who signed in within the last 30 days
    users_active = models.PositiveIntegerField(default=0)
    # created since the first of this month, in the tenant's time zone
    requisitions_month = models.PositiveIntegerField(default=0)
    purchase_orders_month = models.PositiveIntegerField(default=0)
    invoices_month = models.PositiveIntegerField(default=0)
    exceptions_open = models.PositiveIntegerField(default=0)
    webhooks_failing = models.PositiveIntegerField(default=0)
    erp_failing = models.PositiveIntegerField(default=0)
    # the tenant admin's set-up checklist (apps.portal.setup): items done of all, and the labels
    # of those still missing as message ids (English), translated when shown
    setup_done = models.PositiveIntegerField(default=0)
    setup_total = models.PositiveIntegerField(default=0)
    setup_missing = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"standing of {self.client_id}"

    @property
    def documents_month(self) -> int:
        return self.requisitions_month + self.purchase_orders_month + self.invoices_month

    @property
    def connectors_failing(self) -> int:
        return self.webhooks_failing + self.erp_failing


class ClientPlan(models.Model):
    """A client tenant's plan limits, set by its partner's billing people (apps.tenancy.plans).
    Each limit is optional (empty: no limit). At the soft limit the tenant admin is warned; at
    the hard limit a new person or a new invoice is refused. Kept in the public schema because
    the guards run in the contexts that create people and take invoices in."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="plan")
    active_users_soft = models.PositiveIntegerField(null=True, blank=True)
    active_users_hard = models.PositiveIntegerField(null=True, blank=True)
    invoices_soft = models.PositiveIntegerField(null=True, blank=True)
    invoices_hard = models.PositiveIntegerField(null=True, blank=True)
    requisitions_soft = models.PositiveIntegerField(null=True, blank=True)
    requisitions_hard = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"plan of {self.client_id}"


class SchemaSync(models.Model):
    """What every schema holds from code beside its migrations (the roles' permissions, which
    post_migrate writes), as of the last `migrate_schemas` run that opened every schema: the
    digest of the registered definitions (apps.tenancy.migrating). One row."""

    digest = models.CharField(max_length=64)
    synced_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"schemas synced at {self.synced_at:%Y-%m-%d %H:%M}"
