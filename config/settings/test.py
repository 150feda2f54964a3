"""`make test`: real PostgreSQL and Redis (the embedded ones unless the URLs are set)."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; argon2 is tested
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# A worker a test starts (tests/conftest.py, `celery_worker(mail_dir=...)`) keeps the mail it
# sends as files the test reads (apps/tenancy/devmail.py, `kept_mail`): the locmem outbox
# lives in one process only.
if env("SPENDGATE_TEST_MAIL_DIR"):  # noqa: F405
    MAILERS = {"default": {"BACKEND": "apps.tenancy.devmail.KeptMailBackend"}}
    DEV_MAIL_DIR = Path(env("SPENDGATE_TEST_MAIL_DIR"))  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
PARTNER_EXPORT_ROOT = MEDIA_ROOT / "partner-exports"
CELERY_TASK_ALWAYS_EAGER = False
ALLOWED_HOSTS = ["*"]
# quiet, unless a test's server or worker is asked for its INFO lines (tests/tracing)
LOG_LEVEL = env("LOG_LEVEL", "WARNING")  # noqa: F405
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": LOG_LEVEL}}  # noqa: F405

# The suite's Celery traffic uses its own Redis database, so a `make demo` worker on the same
# Redis never picks up a test task (and the reverse).
_redis_base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.rsplit("/", 1)[-1].isdigit() else REDIS_URL  # noqa: F405
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = f"{_redis_base}/15"
CACHES["default"]["LOCATION"] = f"{_redis_base}/14"  # noqa: F405
# The whole suite signs in from one address; the sign-in throttle tests set their own rates.
SIGN_IN_RATES = {"address": "100000/min", "identity": "100000/min"}
# E-mail intake never asks the network: DKIM and SPF answer from this zone (tests add records),
# and SMTP from loopback stands in for SPF as in the demo
INVOICE_MAIL_DNS_ZONE = {}
INVOICE_MAIL_LOOPBACK_SPF = True
SSO_ALLOW_LOOPBACK = True  # the tests' identity provider on 127.0.0.1
