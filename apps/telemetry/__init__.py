"""Telemetry: the metrics every context reports into (counters and histograms on the official
Prometheus client), the request and Celery instruments, and the heartbeats of the worker and
beat. A sink: it imports no domain app; the `/metrics` page and whatever reads across tenants
at scrape time live at the top (`apps.monitoring`)."""
