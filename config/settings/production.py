"""Production: every secret comes from the environment; HTTPS only."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
FIELD_ENCRYPTION_KEYS = [k.strip() for k in env("FIELD_ENCRYPTION_KEYS").split(",") if k.strip()]
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production (bank details)")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
# Client tenants live on subdomains of the partner's domain: they are covered too.
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading a domain is its owner's decision (a partner's domain, white-label): off by
    # default, so check --deploy is told not to ask for it (docs/operations.md).
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
API_SCHEMA_PUBLIC = env_bool("API_SCHEMA_PUBLIC", False)
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
STATIC_ROOT = Path(env("STATIC_ROOT", "/app/staticfiles"))
# gunicorn's sync workers serve one request at a time, so a kept connection per worker bounds
# the process to one connection (docs/operations.md: connections = workers + worker pool).
if "pool" not in DATABASES["default"]["OPTIONS"]:  # noqa: F405 (a pool keeps its own)
    DATABASES["default"]["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "60"))  # noqa: F405
MAILERS["default"]["BACKEND"] = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")  # noqa: F405
# the demo's stand-in for SPF (mail from loopback) never holds here: behind an MTA every mail
# comes from loopback, so its Authentication-Results (INVOICE_MAIL_TRUSTED_AUTHSERV_IDS) decide
INVOICE_MAIL_LOOPBACK_SPF = False
