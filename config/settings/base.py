"""Settings shared by every environment. Environment variables are listed in README.md."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue
from psycopg.conninfo import conninfo_to_dict

from config import queues
from config.database import pooled
from config.tracing import add_trace_ids

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict[str, object]:
    """DATABASE_URL in libpq's URI form, including `?host=/socket/dir` for Unix sockets."""
    params = conninfo_to_dict(url)
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": params.get("dbname", "spendgate"),
        "USER": params.get("user", "postgres"),
        "PASSWORD": params.get("password", ""),
        "HOST": params.get("host", ""),
        "PORT": params.get("port", ""),
        # 0 = each request closes its connection. runserver starts a thread per request, and a
        # kept connection per finished thread exhausted PostgreSQL under a handful of users;
        # production (one thread per gunicorn worker) keeps them (settings/production.py).
        "CONN_MAX_AGE": int(env("DB_CONN_MAX_AGE", "0")),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"application_name": env("DB_APPLICATION_NAME", "spendgate")},
        "TEST": {"NAME": f"test_{params.get('dbname', 'spendgate')}"},
    }


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", ".localhost,localhost").split(",") if h]

# --------------------------------------------------------------------------- tenancy
SHARED_APPS = [
    "apps.tenancy",  # before django_tenants: its migrate_schemas also migrates the template
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for the project's form templates (FORM_RENDERER)
    "django.contrib.postgres",  # block-range indexes on arrival times (insights' periods)
    "apps.accounts.admin_site.SpendgateAdminConfig",  # django.contrib.admin, opened by role
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from this host (no CDN)
    "django_htmx",
    "guardian",
    "axes",
    "apps.accounts",
    "apps.identity",  # single sign-on (OIDC, SAML) per tenant
    "apps.audit",
    "apps.events",
    "apps.assurance",
    "apps.integrations",
    "apps.api",
    "apps.sanctions",
    "apps.telemetry",  # metrics every context reports into; worker and beat heartbeats
    "apps.monitoring",  # /metrics, /healthz, /readyz
    "apps.partners",  # templates, support access, sandboxes, usage, offboarding (public schema)
    "apps.demo",  # seed_demo: reads and writes every context, so it runs from the public schema
    # partner users' second factor (public schema only): TOTP authenticators, recovery codes
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
TENANT_APPS = [
    # tenant users' second factor too (tables in each tenant's schema): docs/identity.md
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "apps.accounts.admin_site.SpendgateAdminConfig",  # django.contrib.admin, opened by role
    "rest_framework.authtoken",
    "guardian",
    "axes",
    "apps.accounts",
    "apps.identity",
    "apps.audit",
    "apps.events",
    "apps.assurance",
    "apps.integrations",
    "apps.inbox",
    "apps.contracts",
    "apps.organization",
    "apps.suppliers",
    "apps.policies",
    "apps.workflow",
    "apps.procurement",
    "apps.invoices",
    "apps.matching",
    "apps.payments",
    "apps.insights",
    "apps.portal",
    "apps.alerts",
    "apps.assistants",
    "apps.scim",  # SCIM 2.0 provisioning at /scim/v2/ (docs/identity.md)
    "apps.retention",  # retention periods, legal holds, the nightly purge
    "apps.privacy",  # erasure requests: a former person pseudonymised, the chain still verifying
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Client"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# New tenants are cloned from this schema; apps.tenancy's migrate_schemas keeps it migrated.
TENANT_BASE_SCHEMA = "tenant_template"
# Residency (docs/residency.md): this deployment's region. It serves only tenants of its own
# region; another region's tenant is answered `wrong_region` (409) naming where it lives, and
# its files and outbound connections are refused here.
SPENDGATE_REGION = env("SPENDGATE_REGION", "eu")
# region → the address of its deployment, named in the wrong-region answer
SPENDGATE_REGION_URLS = dict(
    pair.split("=", 1) for pair in env("SPENDGATE_REGION_URLS", "").split(",") if "=" in pair
)
TENANT_CREATION_FAKES_MIGRATIONS = True
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
TENANT_LIMIT_SET_CALLS = True

DATABASES = {
    "default": pooled(  # DB_POOL_MAX_SIZE > 0: psycopg's pool in each process (docs/scale.md)
        database_from_url(env("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/spendgate")),
        int(env("DB_POOL_MAX_SIZE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

MIDDLEWARE = [
    # probes and Prometheus: answered on any host, before the tenant is looked up
    "apps.monitoring.endpoints.OperationsEndpointsMiddleware",
    "apps.audit.middleware.RequestContextMiddleware",
    "apps.telemetry.middleware.RequestMetricsMiddleware",
    "apps.api.errors.ApiErrorBodyMiddleware",
    "apps.api.boundary.RequestBoundaryMiddleware",
    "apps.tenancy.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # the person's language: their choice, else the organisation's, else the browser's (in
    # place of Django's LocaleMiddleware, which cannot know the person)
    "apps.accounts.language.LanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor
    "apps.accounts.mfa.gate.MfaGate",  # who must use MFA: enrolled and verified first
    "apps.accounts.mfa.stepup_pages.SecondFactorContext",  # step-up: the session's last code
    "apps.integrations.keys.ServiceKeyGate",
    "apps.tenancy.middleware.TenantStatusMiddleware",
    "apps.audit.middleware.RequestUserLogMiddleware",
    "apps.accounts.readonly.AuditorReadOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # idle and absolute session timeouts (the tenant's policy), then "last seen" of the session
    "apps.policies.session_timeouts.SessionTimeoutMiddleware",
    "apps.accounts.sessions.records.SessionSeenMiddleware",
    # a session under a partner's support grant: re-checked, read-only kept, every request
    # in the tenant's trail (after messages: an ended grant signs out with a sentence)
    "apps.partners.support.gate.SupportAccessGate",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.integrations.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "apps.tenancy.context_processors.branding",
                "apps.accounts.context_processors.menu",
            ]
        },
    }
]
# Forms render one way: templates/django/forms/ (label, hint, error, input) win over Django's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

# --------------------------------------------------------------------------- accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
    # a service account's scopes, for the API call its key authenticated
    "apps.integrations.keys.ScopeBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row in every schema
GUARDIAN_MONKEY_PATCH_USER = False

AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Partner users' second factor (apps/accounts/mfa): the name authenticator apps show; wrong
# codes back off 1, 2, 4, 8 … seconds per device and count as failed sign-ins (SIGN_IN_RATES)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Spendgate Partner Console")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Single sign-on (apps/identity): the clock difference allowed between the identity provider and
# this server when checking an ID token's exp/iat or an assertion's NotBefore/NotOnOrAfter, and
# how long a provider's discovery document and keys are kept
SSO_CLOCK_SKEW_SECONDS = int(env("SSO_CLOCK_SKEW_SECONDS", "60"))
SSO_PROVIDER_CACHE_SECONDS = int(env("SSO_PROVIDER_CACHE_SECONDS", "300"))
# an identity provider on this machine over plain http (`make idp`); off in production
SSO_ALLOW_LOOPBACK = env_bool("SSO_ALLOW_LOOPBACK", False)
# Sign-in attempts (page and token endpoint), counted in Redis across processes.
SIGN_IN_RATES = {
    "address": env("SIGN_IN_RATE_PER_ADDRESS", "30/min"),
    "identity": env("SIGN_IN_RATE_PER_IDENTITY", "20/hour"),
}

# Content-Security-Policy on every page: no inline script, no inline style except the nonce'd
# brand block; files a view serves set their own stricter policy (docs/operations.md).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
# database sessions whose records (apps.accounts.sessions) follow a cycled key
SESSION_ENGINE = "apps.accounts.sessions.store"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --------------------------------------------------------------------------- i18n
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# dates on pages as each language writes them numerically: ISO 8601 in English, 07.12.2026
# in German, 07/12/2026 in French and Spanish (config/formats/<language>/formats.py)
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------- files
STATIC_URL = "/static/"
# Only production collects static files; elsewhere WhiteNoise finds them in the apps.
STATIC_ROOT = Path(env("STATIC_ROOT")) if env("STATIC_ROOT") else None
# Served by WhiteNoise; without collectstatic (make demo, tests) it finds files in the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
# Uploaded files land under a per-tenant prefix (django-tenants' storage).
STORAGES = {
    # django-tenants' per-tenant storage, refusing another region's tenant (docs/residency.md)
    "default": {"BACKEND": "apps.tenancy.files.RegionalTenantStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "tenants/%s"
LOGO_MAX_BYTES = 512 * 1024
SUPPLIER_UPLOAD_MAX_BYTES = int(env("SUPPLIER_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# E-mail intake (docs/invoices.md): invoices@<tenant host>; a larger mail is refused and only
# its headers are recorded. `manage.py mail_listener` (make demo) listens on this address.
MAIL_MAX_BYTES = int(env("MAIL_MAX_BYTES", str(25 * 1024 * 1024)))
INVOICE_MAIL_LOCAL_PART = env("INVOICE_MAIL_LOCAL_PART", "invoices").lower()
INVOICE_MAIL_SMTP_LISTEN = env("INVOICE_MAIL_SMTP_LISTEN", "127.0.0.1:2525")
# a tenant's IMAP mailbox is read every INVOICE_MAIL_IMAP_MINUTES, at most this many per run
INVOICE_MAIL_IMAP_BATCH = int(env("INVOICE_MAIL_IMAP_BATCH", "200"))
INVOICE_MAIL_IMAP_TIMEOUT = int(env("INVOICE_MAIL_IMAP_TIMEOUT", "30"))
# IMAP hosts exempt from the outbound address guard (an on-premises mail server on a private
# address); every other host must resolve to public addresses only, as webhooks must
INVOICE_MAIL_IMAP_ALLOWED_HOSTS = [
    h.strip().lower() for h in env("INVOICE_MAIL_IMAP_ALLOWED_HOSTS").split(",") if h.strip()
]
# Who sent a mail (apps/inbox/senders.py): DKIM or SPF aligned with the From domain, or the
# Authentication-Results of an upstream MTA whose authserv-id is listed here (comma-separated)
INVOICE_MAIL_TRUSTED_AUTHSERV_IDS = [
    h.strip().lower() for h in env("INVOICE_MAIL_TRUSTED_AUTHSERV_IDS").split(",") if h.strip()
]
# the demo has no DNS: SMTP from loopback counts as SPF-passed for its envelope domain
INVOICE_MAIL_LOOPBACK_SPF = env_bool("INVOICE_MAIL_LOOPBACK_SPF", False)
# DNS answers for DKIM and SPF: None asks the system's resolver; a mapping
# {name: {"TXT": [...], "A": [...]}} answers from itself alone (tests, air-gapped set-ups)
INVOICE_MAIL_DNS_ZONE: dict[str, dict[str, list[str]]] | None = None
INVOICE_MAIL_DNS_TIMEOUT = int(env("INVOICE_MAIL_DNS_TIMEOUT", "5"))
# a verified sender's mails per hour beyond which they wait in the quarantine, and the
# e-invoice attachments one mail may file (a mail with more waits for AP)
INVOICE_MAIL_SENDER_HOURLY_LIMIT = int(env("INVOICE_MAIL_SENDER_HOURLY_LIMIT", "30"))
INVOICE_MAIL_MAX_INVOICES = int(env("INVOICE_MAIL_MAX_INVOICES", "10"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Paths whose request body may be larger than the default (apps/api/boundary.py): the raw-MIME
# mail API takes a whole mail, up to MAIL_MAX_BYTES plus the multipart framing
REQUEST_BODY_LIMITS = {"/api/v1/invoices/mail/": MAIL_MAX_BYTES + 65536}
SUPPLIER_INVITATION_DAYS = int(env("SUPPLIER_INVITATION_DAYS", "14"))
# Approval links in e-mail and Teams (apps/workflow/links.py): hours a link works, and where a
# tenant's portal is reached from outside ({domain}: the tenant's primary domain)
APPROVAL_LINK_HOURS = int(env("APPROVAL_LINK_HOURS", "72"))
TENANT_PORTAL_URL = env("TENANT_PORTAL_URL", "https://{domain}/")
# Approvals in Slack (apps/integrations/services/chat.py): Slack's Web API, asked who clicked
# (users.info), and the only hosts a click's response_url may name (https, the outbound guard)
SLACK_API_URL = env("SLACK_API_URL", "https://slack.com/api/").rstrip("/") + "/"
SLACK_RESPONSE_HOSTS = tuple(
    h.strip().lower()
    for h in env("SLACK_RESPONSE_HOSTS", "hooks.slack.com").split(",")
    if h.strip()
)
# Fernet keys for bank account numbers, comma-separated, newest first (docs/operations.md).
# Without the variable a key is derived from SECRET_KEY, which production refuses.
FIELD_ENCRYPTION_KEYS = [k.strip() for k in env("FIELD_ENCRYPTION_KEYS").split(",") if k.strip()]
if not FIELD_ENCRYPTION_KEYS:
    import base64
    import hashlib

    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"spendgate-field-key:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]
LOGO_MAX_PIXELS = 1024
# Key of the hash that finds one bank account on two suppliers (apps/suppliers/secrets.py).
BANK_FINGERPRINT_KEY = env("BANK_FINGERPRINT_KEY")

# --------------------------------------------------------------------------- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.integrations.keys.ServiceKeyAuthentication",
        # the API's sign-ins, with a code a call may carry for step-up (X-Spendgate-OTP, `otp`)
        "apps.accounts.mfa.api_auth.TokenWithSecondFactor",
        "apps.accounts.mfa.api_auth.SessionWithSecondFactor",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Spendgate API",
    "DESCRIPTION": (
        "Procure-to-pay API of a Spendgate client tenant. Errors carry `code` and `detail`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["apps.api.permissions.SchemaReader"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.declare_errors",
    ],
    # Choice sets that share a field name get a name of their own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "InvoiceKindEnum": "apps.invoices.models.Invoice.Kind",
        "InvoiceStatusEnum": "apps.invoices.models.Invoice.Status",
        "ExceptionStatusEnum": "apps.invoices.models.InvoiceException.Status",
        "ContractStatusEnum": "apps.contracts.models.Contract.Status",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the pinned drf-spectacular-sidecar package, served here (no CDN)
    "SWAGGER_UI_DIST": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
# The schema and the docs page: open in development and the demo, behind sign-in in production.
API_SCHEMA_PUBLIC = env_bool("API_SCHEMA_PUBLIC", True)
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

# --------------------------------------------------------------------------- webhooks
# Hosts a webhook may reach even though they resolve to a private address (comma-separated);
# loopback for the demo's local receiver; https only in production (apps/integrations/webhooks)
WEBHOOK_ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()
]
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", False)
# the only hosts a sandbox tenant's webhooks may reach: test receivers (docs/partners.md)
SANDBOX_WEBHOOK_HOSTS = [
    h.strip().lower() for h in os.environ.get("SANDBOX_WEBHOOK_HOSTS", "").split(",") if h.strip()
]
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", False)
# hours an approved invoice may wait for the ERP to post it before reconciliation flags it
ERP_POSTING_GRACE_HOURS = int(env("ERP_POSTING_GRACE_HOURS", "24"))

# --------------------------------------------------------------------------- Celery
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# One queue per kind of work (config/queues.py): routes, time limits and the queues a worker
# started without `-Q` consumes (all of them, as in `make demo`); docs/scale.md, "Queues and
# processes".
CELERY_TASK_DEFAULT_QUEUE = queues.DEFAULT_QUEUE
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in queues.consumed()]
CELERY_TASK_ROUTES = queues.task_routes()
CELERY_TASK_ANNOTATIONS = queues.task_annotations()
# A task is acknowledged when it has run, not when it was received: a worker killed mid-task
# leaves it unacknowledged, and the broker hands it out again (after the visibility timeout)
# to the next worker. Every task is idempotent (docs/operations.md: chaos findings).
CELERY_TASK_ACKS_LATE = True
# Nothing waits for a task's return value (the work's state is in the database), so results
# are not stored: sending a task needs the broker only.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # how often a worker looks for messages whose worker was lost (seconds x every Nth look)
    "unacked_restore_interval": int(env("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(env("CELERY_UNACKED_RESTORE_THROTTLE", "10")),
}
# With the broker down, a request gives up sending after about a second (the catch-up sweeps
# do the work later) instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0.2,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# tenant-schemas-celery's scheduler, beating beat's heartbeat for /readyz and noticing a
# stopped worker (its alert cannot wait for a worker task)
CELERY_BEAT_SCHEDULER = "apps.alerts.scheduler:AlertingScheduler"
# beat sends a task with a due probe only to tenants with work due, asking many tenants in one
# statement; this caps the relation locks one such statement holds (apps/tenancy/due.py)
DUE_PROBE_LOCKS = int(env("DUE_PROBE_LOCKS", "1000"))
CELERY_BEAT_SCHEDULE = {
    # No `tenant_schemas`: the tenant-aware scheduler fans the task out to every client tenant.
    "dispatch-outbox": {
        "task": "apps.integrations.tasks.dispatch_outbox",
        "schedule": timedelta(seconds=int(env("OUTBOX_DISPATCH_SECONDS", "10"))),
    },
    # webhook retries come due on their schedule (apps/integrations/webhooks/delivery.py)
    "deliver-webhooks": {
        "task": "apps.integrations.tasks.deliver_webhooks",
        "schedule": timedelta(seconds=int(env("OUTBOX_DISPATCH_SECONDS", "10"))),
    },
    # catch-up: work whose nudge never reached a worker (broker down, worker lost)
    "match-stalled-invoices": {
        "task": "apps.invoices.tasks.match_stalled_invoices",
        "schedule": timedelta(seconds=int(env("CATCH_UP_SECONDS", "120"))),
        "kwargs": {"older_than_seconds": int(env("CATCH_UP_SECONDS", "120"))},
    },
    "build-stalled-evidence-packs": {
        "task": "apps.assurance.tasks.build_stalled_evidence_packs",
        "schedule": timedelta(seconds=int(env("CATCH_UP_SECONDS", "120"))),
        "kwargs": {"older_than_seconds": int(env("CATCH_UP_SECONDS", "120"))},
    },
    "sweep-approval-slas": {
        "task": "apps.workflow.tasks.sweep_approval_slas",
        "schedule": timedelta(minutes=int(env("SLA_SWEEP_MINUTES", "5"))),
    },
    "sweep-exception-slas": {
        "task": "apps.invoices.tasks.sweep_exception_slas",
        "schedule": timedelta(minutes=int(env("SLA_SWEEP_MINUTES", "5"))),
    },
    "prune-idempotency-keys": {
        "task": "apps.integrations.tasks.prune_idempotency_keys",
        "schedule": crontab(minute=17),
    },
    # daily on purpose: a tenant missed on the 1st (worker down) still gets its report
    "monthly-compliance-reports": {
        "task": "apps.assurance.tasks.generate_monthly_compliance_report",
        "schedule": crontab(hour=3, minute=15),
    },
    # the anomaly assistant's supplier-behaviour model, on each tenant's own invoices
    "retrain-anomaly-models": {
        "task": "apps.assistants.signals.tasks.retrain_anomaly_model",
        "schedule": crontab(hour=1, minute=50),
    },
    # nightly from the last checkpoint (a night's events); the whole chain once a week
    "verify-audit-chains": {
        "task": "apps.assurance.tasks.verify_audit_chains",
        "schedule": crontab(hour=2, minute=30),
    },
    "verify-audit-chains-whole": {
        "task": "apps.assurance.tasks.verify_audit_chains",
        "schedule": crontab(hour=3, minute=45, day_of_week="sun"),
        "kwargs": {"full": True},
    },
    # approved invoices the ERP never posted, payments it never confirmed (docs/integrations.md)
    "reconcile-erp": {
        "task": "apps.integrations.tasks.reconcile_erp",
        "schedule": crontab(hour=4, minute=40),
    },
    "poll-mailboxes": {
        "task": "apps.inbox.tasks.poll_mailboxes",
        "schedule": timedelta(minutes=int(env("INVOICE_MAIL_IMAP_MINUTES", "5"))),
    },
    "supplier-document-renewals": {
        "task": "apps.suppliers.tasks.send_document_renewal_alerts",
        "schedule": crontab(hour=6, minute=5),
    },
    "contract-renewals": {
        "task": "apps.contracts.tasks.send_contract_renewal_alerts",
        "schedule": crontab(hour=6, minute=20),
    },
    # each tenant's spend-coding model, retrained on its day's requisitions (apps/assistants)
    "retrain-spend-coding": {
        "task": "apps.assistants.spend.tasks.spend_model_retrain_task",
        "schedule": crontab(hour=1, minute=40),
    },
    # business alerts: raised and resolved within a minute of their condition (apps/alerts)
    "evaluate-alerts": {
        "task": "apps.alerts.tasks.evaluate_alerts",
        "schedule": timedelta(seconds=int(env("ALERTS_EVALUATE_SECONDS", "60"))),
    },
    # once, on the public schema: it walks the client tenants itself and keeps each one's
    # today and yesterday for its partner's console (apps/insights/partner.py)
    "roll-up-client-days": {
        "task": "apps.insights.tasks.roll_up_client_days",
        "schedule": crontab(minute=7),
        "tenant_schemas": ["public"],
    },
    # records past their retention period, never what a legal hold keeps (apps/retention)
    "purge-expired-records": {
        "task": "apps.retention.tasks.purge_expired_records",
        "schedule": crontab(hour=3, minute=45),
    },
    # support access past its end: written as expired and its stand-in ended (the gate already
    # refuses it by time; this keeps the lists and the client's trail current)
    "lapse-support-grants": {
        "task": "apps.partners.tasks.lapse_support_grants",
        "schedule": timedelta(minutes=1),
        "tenant_schemas": ["public"],
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --------------------------------------------------------------------------- operations
# /metrics: with a token, `Authorization: Bearer <token>`; without, loopback clients only
METRICS_TOKEN = env("METRICS_TOKEN", "")
# the worker and beat write a heartbeat this often; /readyz fails after three missed ones
HEARTBEAT_SECONDS = int(env("HEARTBEAT_SECONDS", "15"))

# --------------------------------------------------------------------------- e-mail
# Console in development; set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and
# the EMAIL_* variables for real SMTP.
MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        "OPTIONS": {
            key: value
            for key, value in {
                "host": env("EMAIL_HOST"),
                "port": int(env("EMAIL_PORT", "0")) or None,
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False) or None,
            }.items()
            if value
        },
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "no-reply@spendgate.example")
# Development: sent mail kept under DEV_MAIL_DIR/<schema>/ and shown at /dev/mail/ to a signed-in
# user of that tenant (apps/tenancy/devmail.py)
DEV_MAIL_VIEWER = False
# Development: the design system's living page at /dev/components/ (apps/portal/components.py)
DEV_COMPONENTS = False
DEV_MAIL_DIR = Path(env("SPENDGATE_DATA_DIR", str(BASE_DIR / ".data"))) / "mail"

# --------------------------------------------------------------------------- logging
LOG_LEVEL = env("LOG_LEVEL", "INFO")
_shared_log_processors: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    # trace_id and span_id while a span is current (config/tracing.py; none when tracing is off)
    add_trace_ids,
]
structlog.configure(
    processors=[
        *_shared_log_processors,
        structlog.processors.StackInfoRenderer(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Every line is one JSON object carrying tenant, user and request_id (contextvars
        # bound by apps.audit.middleware), and trace_id/span_id when traced, beside the event.
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            "foreign_pre_chain": _shared_log_processors,
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates every rendering step at INFO
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pysaml2's schema library tells at INFO each schema it loads, at every start
        "xmlschema": {"level": "WARNING"},
        "saml2": {"level": "WARNING"},
    },
}

# --------------------------------------------------------------------------- tenant lifecycle
# offboarding's full exports (tenant backups), one folder per partner; kept after the tenant's
# data is deleted, for the partner to download (docs/partners.md, "Tenant lifecycle")
PARTNER_EXPORT_ROOT = Path(env("PARTNER_EXPORT_ROOT", str(MEDIA_ROOT / "partner-exports")))
CELERY_BEAT_SCHEDULE["complete-due-offboardings"] = {
    "task": "apps.partners.tasks.complete_due_offboardings",
    "schedule": crontab(minute=37),
    "tenant_schemas": ["public"],
}

# --------------------------------------------------------------------------- usage and plans
# once an hour on the public schema: each client tenant's storage, the month's highest kept
# for the partner's usage (apps/partners/usage/storage.py)
CELERY_BEAT_SCHEDULE["measure-tenant-storage"] = {
    "task": "apps.partners.usage.tasks.measure_tenant_storage",
    "schedule": crontab(minute=37),
    "tenant_schemas": ["public"],
}
