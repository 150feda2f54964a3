"""gunicorn's settings (`gunicorn -c config/gunicorn.py config.wsgi:application`).

With PROMETHEUS_MULTIPROC_DIR set, each worker writes its metrics there and `/metrics` adds
them up (docs/operations.md, "Metrics"); a worker that exits has its live gauges removed."""

import os
import socket

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"


def child_exit(server: object, worker: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        # the files are named by host and process id (apps/telemetry/metrics.py)
        host = socket.gethostname().replace("_", "-")
        multiprocess.mark_process_dead(f"{host}-{worker.pid}")  # type: ignore[attr-defined]
