"""Celery app. Tasks derive from tenant-schemas-celery's TenantTask, so the schema that was
active when a task was sent is active again when it runs."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("spendgate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
