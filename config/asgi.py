import os

from django.core.asgi import get_asgi_application

from config.tracing import start_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# traces when OTEL_* or SPENDGATE_TRACE_FILE ask (docs/operations.md); before the handler loads
# MIDDLEWARE, which the Django instrumentation opens with its own
start_tracing("web")
application = get_asgi_application()
