"""`make test`: real PostgreSQL and Redis (the embedded ones unless the URLs are set)."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; argon2 is tested
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False
ALLOWED_HOSTS = ["*"]
LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
